import type { Alert } from './alerts.ts';
import type { QueueMessage } from './queue-message.ts';
import type { Registers } from './state.ts';

/**
 * The ports of the use cases, in our own words. One adapter each talks to AWS
 * (`functions/adapters/`); tests may plug in-memory twins.
 */

/** Puts a message on the event queue; resolves only once it is durably stored. */
export interface EventQueue {
  send(message: QueueMessage): Promise<{ readonly queueMessageId: string }>;
}

/** Publishes an alert to whoever subscribes (email, Slack). */
export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
}

/** Whether an alert tied to a recorded item is still owed. */
export type AlertStatus = 'owed' | 'sent' | 'none';

/** The integration item as stored: registers, plus whether a token is held (never the token). */
export interface StoredIntegration {
  readonly id: string;
  readonly registers: Registers;
  readonly hasAccessToken: boolean;
}

/** One recorded event of an integration's history. */
export interface HistoryEntry {
  readonly type: string;
  /** Ordering key for lifecycle events; absent for unknown types. */
  readonly key?: string;
  readonly date: string;
  readonly messageId: string;
  readonly receivedAt: string;
}
