import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventQueue } from '../core/ports.ts';
import { encodeQueueMessage, type QueueMessage } from '../core/queue-message.ts';

/**
 * The event queue on SQS. The body is ASCII-only JSON (see `encodeQueueMessage`), so any
 * payload survives SQS and the local emulator alike. `kind` also travels as a message
 * attribute, for tracing.
 */
export class SqsEventQueue implements EventQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(
    message: QueueMessage,
    options: { readonly delaySeconds?: number } = {},
  ): Promise<{ queueMessageId: string }> {
    const result = await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
        MessageBody: encodeQueueMessage(message),
        MessageAttributes: { kind: { DataType: 'String', StringValue: message.kind } },
      }),
    );
    if (!result.MessageId) {
      throw new Error('SQS SendMessage returned no MessageId');
    }
    return { queueMessageId: result.MessageId };
  }
}
