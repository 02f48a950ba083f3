import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** An SQS consumer's Lambda handler: a batch in, a partial batch response out. */
export type SqsBatchHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The one shell of every SQS consumer, Powertools batch: a record that throws is reported
 * alone (`ReportBatchItemFailures`), so SQS redelivers just that one and, after its
 * `maxReceiveCount`, moves it to the DLQ; when every record of a batch failed, the handler
 * throws `FullBatchFailureError`, so Lambda's `Errors` metric and its alarms see the outage.
 * A failed record is counted and logged here, where it is known, then rethrown; nothing is
 * caught and dropped.
 */
export const sqsBatchHandler = <T>(options: {
  readonly processRecord: (record: SQSRecord) => Promise<T>;
  /** Records at once (independent records), or one after the other (e.g. to keep a pace). */
  readonly inParallel: boolean;
  /** The metric counting failed records, and the log line naming each. */
  readonly failure: { readonly metric: string; readonly message: string };
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}): SqsBatchHandler => {
  const { processRecord, failure, logger, metrics } = options;
  const reportingFailures = async (record: SQSRecord): Promise<T> => {
    try {
      return await processRecord(record);
    } catch (error) {
      metrics?.addMetric(failure.metric, MetricUnit.Count, 1);
      logger?.error(failure.message, {
        sqsMessageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error,
      });
      throw error;
    }
  };
  return async (event, context) => {
    // One processor per invocation: it keeps the batch's state, and the local runtime runs
    // several batches through one handler at once (Lambda runs one per container).
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(event, reportingFailures, processor, {
        processInParallel: options.inParallel,
        ...(context ? { context } : {}),
      });
    } finally {
      metrics?.publishStoredMetrics();
    }
  };
};
