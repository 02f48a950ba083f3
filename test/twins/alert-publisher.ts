import * as v from 'valibot';
import { snsMessageOf } from '../../functions/alerting/channels/email.ts';
import { type GroupMessage, GroupMessageSchema } from '../../functions/core/alerts.ts';
import type { AlertPublisher } from '../../functions/core/ports.ts';
import { Faults } from './faults.ts';

const PerProtocol = v.object({ email: v.string(), sqs: v.string() });

/**
 * The alerts topic in memory. Like the SNS adapter it renders the per-protocol message (so a
 * message that cannot be rendered fails here too) and keeps what each protocol would get: the
 * email subject and text, and the JSON the Slack notifier's queue would receive.
 */
export class InMemoryAlertPublisher implements AlertPublisher {
  readonly faults = new Faults<AlertPublisher>();
  readonly #delivered: {
    readonly json: string;
    readonly subject: string;
    readonly text: string;
  }[] = [];

  async publish(digest: GroupMessage): Promise<void> {
    this.faults.enter('publish', [digest]);
    const { subject, message } = snsMessageOf(digest);
    const perProtocol = v.parse(PerProtocol, JSON.parse(message));
    this.#delivered.push({ json: perProtocol.sqs, subject, text: perProtocol.email });
  }

  /** Every message published so far, in order, as a subscriber would parse it. */
  published(): GroupMessage[] {
    return this.#delivered.map((item) => v.parse(GroupMessageSchema, JSON.parse(item.json)));
  }

  /** The SQS body of every message published so far: what the Slack notifier's queue gets. */
  bodies(): string[] {
    return this.#delivered.map((item) => item.json);
  }

  /** The email subject and text of every message published so far. */
  emails(): { subject: string; text: string }[] {
    return this.#delivered.map(({ subject, text }) => ({ subject, text }));
  }

  /** Takes the messages published since the last call, like receiving from a subscribed queue. */
  take(): GroupMessage[] {
    const taken = this.published();
    this.#delivered.length = 0;
    return taken;
  }
}
