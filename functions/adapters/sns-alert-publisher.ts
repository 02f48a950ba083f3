import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { digestSnsMessage } from '../core/alert-digest.ts';
import type { AlertDigest } from '../core/alerts.ts';
import type { AlertPublisher } from '../core/ports.ts';

/**
 * Publishes each message of an alert group to the SNS topic with one body per protocol
 * (`MessageStructure: 'json'`): email gets readable plain text, SQS subscribers (the Slack
 * notifier) get the message JSON; `digestSnsMessage` keeps it within SNS's 256 KB whatever the
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

  async publish(digest: AlertDigest): Promise<void> {
    const { subject, message } = digestSnsMessage(digest);
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: subject,
        MessageStructure: 'json',
        Message: message,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: digest.severity },
          kind: { DataType: 'String', StringValue: digest.kind },
          organizationId: { DataType: 'String', StringValue: digest.organizationId ?? 'unknown' },
          status: { DataType: 'String', StringValue: digest.status },
        },
      }),
    );
  }
}
