import * as v from 'valibot';
import { alertSubject, alertText } from '../../functions/core/alert-content.ts';
import { type Alert, AlertSchema } from '../../functions/core/alerts.ts';
import type { AlertPublisher } from '../../functions/core/ports.ts';
import { Faults } from './faults.ts';

/**
 * The alerts topic in memory. Like the SNS adapter it renders the email subject and text (so
 * an alert that cannot be rendered fails here too) and carries the alert as JSON, which
 * subscribers parse against the schema.
 */
export class InMemoryAlertPublisher implements AlertPublisher {
  readonly faults = new Faults<AlertPublisher>();
  readonly #delivered: {
    readonly json: string;
    readonly subject: string;
    readonly text: string;
  }[] = [];

  async publish(alert: Alert): Promise<void> {
    this.faults.enter('publish', [alert]);
    const subject = alertSubject(alert);
    const text = alertText(alert);
    this.#delivered.push({ json: JSON.stringify(alert), subject, text });
  }

  /** Every alert published so far, in order, as a subscriber would parse it. */
  published(): Alert[] {
    return this.#delivered.map((item) => v.parse(AlertSchema, JSON.parse(item.json)));
  }

  /** The email subject and text of every alert published so far. */
  emails(): { subject: string; text: string }[] {
    return this.#delivered.map(({ subject, text }) => ({ subject, text }));
  }

  /** Takes the alerts published since the last call, like receiving from a subscribed queue. */
  take(): Alert[] {
    const taken = this.published();
    this.#delivered.length = 0;
    return taken;
  }
}
