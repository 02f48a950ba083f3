import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { inspectQueue } from '../../functions/adapters/sqs-dead-letter-queue.ts';
import type { DeadLetterQueue, RedriveStatus } from '../../functions/core/ports.ts';

/**
 * The DLQ on the local emulator, which has no `StartMessageMoveTask`: the redrive is the
 * same move done by hand (receive from the DLQ, send to the event queue with the same body
 * and attributes, then delete), in the background, capped at the rate asked, with the same
 * progress report. A message is deleted only after its copy was sent, so a crash duplicates
 * rather than loses (the processor is idempotent).
 */
export class LocalDeadLetterQueue implements DeadLetterQueue {
  readonly #client: SQSClient;
  readonly #dlqUrl: string;
  readonly #queueUrl: string;
  #status: RedriveStatus = { status: 'NONE', moved: 0 };
  #task: Promise<void> | undefined;

  constructor(options: { client: SQSClient; deadLetterQueueUrl: string; queueUrl: string }) {
    this.#client = options.client;
    this.#dlqUrl = options.deadLetterQueueUrl;
    this.#queueUrl = options.queueUrl;
  }

  inspect(sample: number) {
    return inspectQueue(this.#client, this.#dlqUrl, sample);
  }

  async startRedrive(ratePerSecond: number): Promise<RedriveStatus> {
    if (this.#status.status === 'RUNNING') return this.#status;
    const { count } = await this.inspect(0);
    this.#status = {
      status: 'RUNNING',
      moved: 0,
      toMove: count,
      startedAt: new Date().toISOString(),
    };
    this.#task = this.#move(ratePerSecond).catch((error: unknown) => {
      this.#status = {
        ...this.#status,
        status: 'FAILED',
        failureReason: error instanceof Error ? error.message : String(error),
      };
    });
    return this.#status;
  }

  async redriveStatus(): Promise<RedriveStatus> {
    return this.#status;
  }

  /** Resolves when the running redrive (if any) has ended. */
  async settled(): Promise<void> {
    await this.#task;
  }

  async #move(ratePerSecond: number): Promise<void> {
    for (;;) {
      const started = Date.now();
      const batch = Math.max(1, Math.min(10, ratePerSecond));
      const { Messages = [] } = await this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#dlqUrl,
          MaxNumberOfMessages: batch,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      const entries = Messages.map((message, index) => ({
        Id: String(index),
        MessageBody: message.Body ?? '',
        ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
      }));
      const sent = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
      );
      if (sent.Failed?.length) {
        throw new Error(`the event queue refused ${sent.Failed.length} redriven messages`);
      }
      await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#dlqUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
          })),
        }),
      );
      this.#status = { ...this.#status, moved: this.#status.moved + Messages.length };
      // The cap: this batch may not take less than its share of a second.
      const wait = (Messages.length / ratePerSecond) * 1000 - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
    this.#status = { ...this.#status, status: 'COMPLETED' };
  }
}
