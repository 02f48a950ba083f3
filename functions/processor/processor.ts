import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { QueueMessageSchema } from '../core/queue-message.ts';
import {
  InvalidQueueMessageError,
  type Outcome,
  type ProcessorDeps,
  processMessage,
} from './process-message.ts';

const METRIC_BY_OUTCOME: Readonly<Record<Outcome['kind'], string>> = {
  applied: 'EventsApplied',
  stale: 'EventsStale',
  duplicate: 'EventsDuplicate',
  anomaly: 'EventsAnomaly',
  ignored: 'EventsIgnoredUnknownType',
  quarantined: 'PayloadsQuarantined',
  notice: 'DeliveryErrorNotices',
};

const parseRecord = (record: SQSRecord) => {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new InvalidQueueMessageError('queue message body is not JSON', { cause: error });
  }
  const message = v.safeParse(QueueMessageSchema, body);
  if (!message.success) {
    throw new InvalidQueueMessageError(
      `queue message does not match the schema: ${v.summarize(message.issues)}`,
    );
  }
  return message.output;
};

/**
 * The processor: an SQS batch with `ReportBatchItemFailures`. Records are applied
 * independently and concurrently (the store's conditions make that safe); a record that
 * fails is reported alone, so SQS redelivers just that one and, after `maxReceiveCount`,
 * moves it to the DLQ. Nothing is caught and dropped.
 */
export const createProcessorHandler = (
  deps: Omit<ProcessorDeps, 'clock'> & {
    clock?: () => Date;
    logger?: Logger;
    metrics?: Metrics;
  },
) => {
  const processorDeps: ProcessorDeps = {
    store: deps.store,
    alerts: deps.alerts,
    clock: deps.clock ?? (() => new Date()),
  };
  const { logger, metrics } = deps;

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(
      event.Records.map(async (record) => {
        const outcome = await processMessage(parseRecord(record), processorDeps);
        metrics?.addMetric(METRIC_BY_OUTCOME[outcome.kind], MetricUnit.Count, 1);
        if ('alerted' in outcome && outcome.alerted) {
          metrics?.addMetric('AlertsPublished', MetricUnit.Count, 1);
        }
        logger?.info('record processed', { sqsMessageId: record.messageId, outcome });
        return outcome;
      }),
    );
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const record = event.Records[index];
      if (!record) return;
      batchItemFailures.push({ itemIdentifier: record.messageId });
      metrics?.addMetric('RecordsFailed', MetricUnit.Count, 1);
      logger?.error('record failed; SQS will redeliver it', {
        sqsMessageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: result.reason,
      });
    });
    metrics?.publishStoredMetrics();
    return { batchItemFailures };
  };
};
