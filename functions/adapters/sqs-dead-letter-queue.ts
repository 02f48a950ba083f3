import {
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { validateWebhook } from '../core/events.ts';
import type { DeadLetterQueue, DeadLetterSample, RedriveStatus } from '../core/ports.ts';
import { QueueMessageSchema } from '../core/queue-message.ts';
import { queueDepth } from './clients.ts';

/** What an operator can say about one dead letter, from its body only (named fields, no token). */
export const describeDeadLetter = (message: Message): DeadLetterSample => {
  const attributes = message.Attributes ?? {};
  const sent = Number(attributes.SentTimestamp);
  const receives = Number(attributes.ApproximateReceiveCount);
  const base = {
    sqsMessageId: message.MessageId ?? '',
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(Number.isFinite(receives) && receives > 0 ? { receiveCount: receives } : {}),
  };
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return {
      ...base,
      kind: 'unreadable',
      summary: '(not JSON)',
      diagnosis: 'the body is not JSON: it can never be processed',
    };
  }
  const parsed = v.safeParse(QueueMessageSchema, body);
  if (!parsed.success) {
    return {
      ...base,
      kind: 'unreadable',
      summary: '(unknown shape)',
      diagnosis: `the body does not match the queue message schema: ${v.summarize(parsed.issues).slice(0, 300)}`,
    };
  }
  const retryable = `valid now, so it failed for another reason (throttling, an outage, a bug): processor log, sqsMessageId ${base.sqsMessageId}`;
  const queued = parsed.output;
  switch (queued.kind) {
    case 'webhook': {
      const webhook = validateWebhook(queued.webhook);
      if (!webhook.success) {
        return {
          ...base,
          kind: 'webhook',
          summary: '(webhook that no longer validates)',
          diagnosis: `no longer validates: ${webhook.errors
            .map((error) => `${error.path}: ${error.message}`)
            .join('; ')
            .slice(0, 300)}`,
        };
      }
      const { header, body: event } = webhook.value.event;
      return {
        ...base,
        kind: 'webhook',
        summary: `${header.type} ${event.id} ${header.date}`,
        diagnosis: retryable,
      };
    }
    case 'delivery-error':
      return {
        ...base,
        kind: 'delivery-error',
        summary: `notice ${queued.notice.code} ${queued.notice.endpoint}`.slice(0, 300),
        diagnosis: retryable,
      };
    case 'alert-flush':
      return {
        ...base,
        kind: 'alert-flush',
        summary: `flush of alert group ${queued.groupKey}`.slice(0, 300),
        diagnosis: `${retryable} (an alert group could not be flushed)`,
      };
    case 'quarantine':
      return {
        ...base,
        kind: 'quarantine',
        summary: `quarantine of a ${queued.source} payload received ${queued.receivedAt}`,
        diagnosis: `${retryable} (a quarantine record could not be stored)`,
      };
  }
};

/** Reads depth and a sample without taking anything: sampled messages stay visible. */
export const inspectQueue = async (
  client: SQSClient,
  queueUrl: string,
  sample: number,
): Promise<Awaited<ReturnType<DeadLetterQueue['inspect']>>> => {
  const count = await queueDepth(client, queueUrl);
  const messages: Message[] = [];
  if (sample > 0 && count > 0) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: sample,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    messages.push(...Messages);
  }
  const samples = messages.map(describeDeadLetter);
  const oldest = samples
    .map((item) => item.sentAt)
    .filter((sentAt): sentAt is string => sentAt !== undefined)
    .sort()[0];
  return { count, ...(oldest ? { oldestSentAt: oldest } : {}), sample: samples };
};

const MOVE_STATUSES = ['RUNNING', 'COMPLETED', 'CANCELLING', 'CANCELLED', 'FAILED'] as const;

/**
 * The DLQ in the cloud: redrive is SQS's own `StartMessageMoveTask` (one task per queue, at
 * most 500 messages/s, back to the queue each message came from); progress is
 * `ListMessageMoveTasks`. "Oldest" is the oldest of the sample (SQS exposes the age of the
 * oldest message only as a CloudWatch metric, on the dashboard).
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #queueArn: string;

  constructor(options: { client: SQSClient; queueUrl: string; queueArn: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#queueArn = options.queueArn;
  }

  inspect(sample: number) {
    return inspectQueue(this.#client, this.#queueUrl, sample);
  }

  async startRedrive(ratePerSecond: number): Promise<RedriveStatus> {
    await this.#client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: this.#queueArn,
        MaxNumberOfMessagesPerSecond: ratePerSecond,
      }),
    );
    return this.redriveStatus();
  }

  async redriveStatus(): Promise<RedriveStatus> {
    const { Results = [] } = await this.#client.send(
      new ListMessageMoveTasksCommand({ SourceArn: this.#queueArn, MaxResults: 1 }),
    );
    const task = Results[0];
    if (!task) return { status: 'NONE', moved: 0 };
    const status = v.parse(v.picklist(MOVE_STATUSES), task.Status);
    return {
      status: status === 'CANCELLING' ? 'CANCELLED' : status,
      moved: task.ApproximateNumberOfMessagesMoved ?? 0,
      ...(task.ApproximateNumberOfMessagesToMove === undefined
        ? {}
        : { toMove: task.ApproximateNumberOfMessagesToMove }),
      ...(task.StartedTimestamp === undefined
        ? {}
        : { startedAt: new Date(task.StartedTimestamp).toISOString() }),
      ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
    };
  }
}
