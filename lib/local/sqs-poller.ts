import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';

/**
 * An SQS-triggered Lambda handler with `ReportBatchItemFailures`. Its result is read the way
 * Lambda reads it (see {@link succeededRecords}), so it is typed as what it is: anything.
 */
export type SqsHandler = (event: SQSEvent) => Promise<unknown>;

export interface SqsPollerOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: SqsHandler;
  /** Records per invocation, as the event source mapping's `batchSize`. */
  readonly batchSize: number;
  /** Long-poll wait; also bounds how long `stop()` waits for an idle receive. */
  readonly waitTimeSeconds?: number;
  /** Poll loops running side by side, as concurrent Lambda invocations do. */
  readonly concurrency?: number;
  readonly log: (line: string) => void;
  /** Shown in log lines. */
  readonly name: string;
}

export interface SqsPoller {
  /** Stops receiving, then waits for the batches being handled to finish and be deleted. */
  stop(): Promise<void>;
}

const DEFAULT_WAIT_TIME_SECONDS = 20;
const RECEIVE_ERROR_BACKOFF_MS = 1_000;

const toLambdaAttributes = (
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes => {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) =>
        Buffer.from(item).toString('base64'),
      ),
    };
  }
  return result;
};

/** The record Lambda's SQS event source would build from a received message. */
export const toSqsRecord = (
  message: Message,
  queue: { readonly arn: string; readonly region: string },
): SQSRecord => {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
    },
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
};

/** What Lambda accepts as a partial batch response; nothing at all means full success. */
const BatchResponseSchema = v.nullish(
  v.looseObject({
    batchItemFailures: v.nullish(v.array(v.object({ itemIdentifier: v.string() }))),
  }),
);

/** How a handler invocation ended. */
export type HandlerOutcome =
  | { readonly threw: true }
  | { readonly threw: false; readonly response: unknown };

/**
 * Which records succeeded, by Lambda's rules: a thrown handler fails the whole batch, and so
 * does a malformed response or a failure naming a record that is not in the batch.
 */
export const succeededRecords = (
  records: readonly SQSRecord[],
  outcome: HandlerOutcome,
): SQSRecord[] => {
  if (outcome.threw) return [];
  const response = v.safeParse(BatchResponseSchema, outcome.response);
  if (!response.success) return [];
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const { itemIdentifier } of response.output?.batchItemFailures ?? []) {
    if (!ids.has(itemIdentifier)) return [];
    failed.add(itemIdentifier);
  }
  return records.filter((record) => !failed.has(record.messageId));
};

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * What a handler's throw says, with the errors of the records when it carries them, as
 * Powertools batch's `FullBatchFailureError` does (its own message points to them).
 */
export const describeThrow = (error: unknown): string => {
  const records =
    error instanceof Error && 'recordErrors' in error && Array.isArray(error.recordErrors)
      ? error.recordErrors
      : [];
  return records.length === 0
    ? messageOf(error)
    : `${messageOf(error)} ${records.map((record) => `[${messageOf(record)}]`).join(' ')}`;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Plays Lambda's SQS event source mapping: long-polls the queue, hands each batch to the
 * handler, deletes the records that succeeded and leaves the others to reappear after the
 * visibility timeout; the queue's redrive policy moves them to the DLQ after
 * `maxReceiveCount` receives, as in the cloud.
 */
export const startSqsPoller = (options: SqsPollerOptions): SqsPoller => {
  const { client, queueUrl, handler, log } = options;
  const queue = { arn: options.queueArn, region: options.region };
  const stopping = new AbortController();

  const handleBatch = async (messages: Message[]): Promise<void> => {
    const records = messages.map((message) => toSqsRecord(message, queue));
    let outcome: HandlerOutcome;
    try {
      outcome = { threw: false, response: await handler({ Records: records }) };
    } catch (error) {
      log(
        `${options.name}: handler threw, all ${records.length} record(s) will be retried: ${describeThrow(error)}`,
      );
      outcome = { threw: true };
    }
    const succeeded = succeededRecords(records, outcome);
    const failed = records.length - succeeded.length;
    if (failed > 0 && !outcome.threw) {
      log(`${options.name}: ${failed} of ${records.length} record(s) failed, left for retry`);
    }
    if (succeeded.length === 0) return;
    const { Failed } = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: succeeded.map((record, index) => ({
          Id: String(index),
          ReceiptHandle: record.receiptHandle,
        })),
      }),
    );
    if (Failed?.length) {
      log(`${options.name}: ${Failed.length} delete(s) failed; those records will be redelivered`);
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        const received = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? DEFAULT_WAIT_TIME_SECONDS,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stopping.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (stopping.signal.aborted) return;
        log(
          `${options.name}: receive failed, retrying: ${error instanceof Error ? error.message : String(error)}`,
        );
        await sleep(RECEIVE_ERROR_BACKOFF_MS, stopping.signal);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        // Not aborted on stop: a batch that started is finished and deleted, like a Lambda
        // invocation that runs to completion while the mapping is being disabled.
        await handleBatch(messages);
      } catch (error) {
        log(
          `${options.name}: batch bookkeeping failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop());

  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(loops);
    },
  };
};
