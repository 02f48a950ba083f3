import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { parseJson } from '../core/json.ts';
import { QueueMessageSchema } from '../core/queue-message.ts';
import { type SqsBatchHandler, sqsBatchHandler } from '../sqs-batch.ts';
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
  'alert-flush': 'AlertFlushes',
};

const parseRecord = (record: SQSRecord) => {
  const json = parseJson(record.body);
  if (!json.success) {
    throw new InvalidQueueMessageError('queue message body is not JSON', {
      cause: json.errors[0]?.message,
    });
  }
  const body = json.value;
  const message = v.safeParse(QueueMessageSchema, body);
  if (!message.success) {
    throw new InvalidQueueMessageError(
      `queue message does not match the schema: ${v.summarize(message.issues)}`,
    );
  }
  return message.output;
};

/** The processor's Lambda handler: an SQS batch in, a partial batch response out. */
export type ProcessorHandler = SqsBatchHandler;

/**
 * The processor: an SQS batch with `ReportBatchItemFailures`, run by Powertools batch.
 * Records are applied independently and concurrently (the store's conditions make that safe);
 * a record that fails is reported alone, so SQS redelivers just that one and, after
 * `maxReceiveCount`, moves it to the DLQ. When every record of a batch failed, the handler
 * throws `FullBatchFailureError`, so Lambda's `Errors` metric and its alarms see the outage.
 * Nothing is caught and dropped.
 */
export const createProcessorHandler = (
  deps: Omit<ProcessorDeps, 'clock'> & {
    clock?: () => Date;
    logger?: Logger;
    metrics?: Metrics;
  },
): ProcessorHandler => {
  const { clock, logger, metrics, ...rest } = deps;
  const processorDeps: ProcessorDeps = { ...rest, clock: clock ?? (() => new Date()) };

  const processRecord = async (record: SQSRecord): Promise<Outcome> => {
    const outcome = await processMessage(parseRecord(record), processorDeps);
    metrics?.addMetric(METRIC_BY_OUTCOME[outcome.kind], MetricUnit.Count, 1);
    if ('conflict' in outcome && outcome.conflict) {
      metrics?.addMetric('EventsConflicting', MetricUnit.Count, 1);
    }
    if ('alerted' in outcome && outcome.alerted) {
      metrics?.addMetric('AlertIncidents', MetricUnit.Count, 1);
    }
    if ('resolved' in outcome && outcome.resolved > 0) {
      metrics?.addMetric('AlertsResolved', MetricUnit.Count, outcome.resolved);
    }
    if (
      outcome.kind === 'alert-flush' &&
      outcome.flush.kind === 'flushed' &&
      outcome.flush.published
    ) {
      metrics?.addMetric('AlertMessagesPublished', MetricUnit.Count, 1);
    }
    logger?.info('record processed', { sqsMessageId: record.messageId, outcome });
    return outcome;
  };

  return sqsBatchHandler({
    processRecord,
    inParallel: true,
    failure: { metric: 'RecordsFailed', message: 'record failed; SQS will redeliver it' },
    logger,
    metrics,
  });
};
