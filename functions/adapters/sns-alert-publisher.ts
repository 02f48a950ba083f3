import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsMessageOf } from '../alerting/channels/email.ts';
import type { GroupMessage } from '../core/alerts.ts';
import type { AlertPublisher } from '../core/ports.ts';

/**
 * Publishes each message of an alert group to the SNS topic with one body per protocol
 * (`MessageStructure: 'json'`): email gets readable plain text, SQS subscribers (the chat
 * notifiers) get the message JSON; `snsMessageOf` keeps it within SNS's 256 KB whatever the
 * incidents held. `severity`, `kind` and `organizationId` are message attributes so
 * subscriptions can filter.
 */
export class SnsAlertPublisher implements AlertPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(options: { client: SNSClient; topicArn: string }) {
    this.#client = options.client;
    this.#topicArn = options.topicArn;
  }

  async publish(message: GroupMessage): Promise<void> {
    const { subject, message: body } = snsMessageOf(message);
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: subject,
        MessageStructure: 'json',
        Message: body,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: message.severity },
          kind: { DataType: 'String', StringValue: message.kind },
          organizationId: { DataType: 'String', StringValue: message.organizationId ?? 'unknown' },
          status: { DataType: 'String', StringValue: message.status },
        },
      }),
    );
  }
}
