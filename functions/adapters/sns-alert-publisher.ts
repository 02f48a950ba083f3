import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  alertSubject,
  alertText,
  boundAlert,
  COMPACT_ALERT_BOUNDS,
} from '../core/alert-content.ts';
import type { Alert } from '../core/alerts.ts';
import { asciiJson, SNS_MESSAGE_MAX_BYTES, utf8Bytes } from '../core/limits.ts';
import type { AlertPublisher } from '../core/ports.ts';

/**
 * Publishes alerts to the SNS topic with one body per protocol (`MessageStructure: 'json'`):
 * email gets readable plain text, SQS subscribers (the Slack notifier) get the alert JSON.
 * `severity`, `kind` and `organizationId` are message attributes so subscriptions can filter.
 */
/** Message attributes and subject: names, a 512-byte key, a quoted organization id. */
const ATTRIBUTES_BUDGET = 4096;

export class SnsAlertPublisher implements AlertPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(options: { client: SNSClient; topicArn: string }) {
    this.#client = options.client;
    this.#topicArn = options.topicArn;
  }

  async publish(raw: Alert): Promise<void> {
    // Every quoted value is cut, so the message fits SNS's 256 KB whatever the event held; an
    // alert made only of characters that escape to many bytes falls back to a compact form.
    let alert = boundAlert(raw);
    let message = SnsAlertPublisher.message(alert);
    if (utf8Bytes(message) > SNS_MESSAGE_MAX_BYTES - ATTRIBUTES_BUDGET) {
      alert = boundAlert(raw, COMPACT_ALERT_BOUNDS);
      message = SnsAlertPublisher.message(alert);
    }
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: alertSubject(alert),
        MessageStructure: 'json',
        Message: message,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: alert.severity },
          kind: { DataType: 'String', StringValue: alert.kind },
          organizationId: { DataType: 'String', StringValue: alert.organizationId ?? 'unknown' },
          incidentKey: { DataType: 'String', StringValue: alert.incidentKey },
        },
      }),
    );
  }

  /**
   * One body per protocol, as ASCII-only JSON at both levels: SNS decodes the escapes, and
   * whatever reaches a queue (the `sqs` copy, or the whole object from the local emulator)
   * is accepted as is.
   */
  static message(alert: Alert): string {
    const text = alertText(alert);
    return asciiJson({ default: text, email: text, sqs: asciiJson(alert) });
  }
}
