import type { Alert, GroupMessage, MessageEntry } from '../../core/alerts.ts';
import { asciiJson, SNS_MESSAGE_MAX_BYTES, utf8Bytes } from '../../core/limits.ts';
import type { AlertPublisher } from '../../core/ports.ts';
import { boundAlert, boundText, COMPACT_ALERT_BOUNDS, subjectLine } from '../domain/bounds.ts';
import { messageActions, singleAlertOf } from '../domain/group-message.ts';
import { alertText, groupMessageText } from '../domain/plain-text.ts';
import type { Channel } from './channel.ts';

/**
 * Email: the SNS publish of each group message, which the topic's email subscription reads as
 * plain text and every chat notifier's queue as JSON. SNS email takes about 10 messages a
 * second per subscription; SNS refuses a message over 256 KB.
 */

/** A message's SNS body leaves this much of SNS's limit to the subject and attributes. */
export const EMAIL_SNS_MESSAGE_MAX_BYTES = SNS_MESSAGE_MAX_BYTES - 4096;

/** SNS email: at most 10 messages per second per subscription. */
export const EMAIL_INTERVAL_MS = 100;

/** An email subject: severity first, one line, short enough for SNS. */
export const messageSubject = (message: GroupMessage): string =>
  subjectLine(message.severity, message.title);

const perProtocol = (message: GroupMessage, defaultText: string): string =>
  asciiJson({ default: defaultText, email: groupMessageText(message), sqs: asciiJson(message) });

const boundEntry = (entry: MessageEntry, quote: number): MessageEntry => {
  const cut = (text: string) => boundText(text, quote);
  const cutOrNull = (text: string | null) => (text === null ? null : cut(text));
  return {
    incidentKey: entry.incidentKey,
    occurredAt: cut(entry.occurredAt),
    title: cut(entry.title),
    integration: entry.integration
      ? {
          id: cut(entry.integration.id),
          locationId: cutOrNull(entry.integration.locationId),
          fulfillmentServiceId: cutOrNull(entry.integration.fulfillmentServiceId),
        }
      : null,
  };
};

/**
 * The message as one SNS publish with a body per protocol (`MessageStructure: 'json'`): email
 * gets `groupMessageText`, SQS subscribers (the chat notifiers) get the message JSON. It never
 * exceeds {@link EMAIL_SNS_MESSAGE_MAX_BYTES}: listed entries are dropped from the end until it
 * fits (both copies then say how many more), and a single alert falls back to the compact
 * alert bounds. A single alert's `default` body is its text; a group's is its text without the
 * list, because `default` reaches no subscriber of the topic and the list would otherwise count
 * twice against SNS's limit.
 */
export const snsMessageOf = (message: GroupMessage): { subject: string; message: string } => {
  const fits = (body: string): boolean => utf8Bytes(body) <= EMAIL_SNS_MESSAGE_MAX_BYTES;
  const single = singleAlertOf(message);
  if (single) {
    const body = perProtocol(message, alertText(single));
    if (fits(body)) return { subject: messageSubject(message), message: body };
    const alert = boundAlert(single, COMPACT_ALERT_BOUNDS);
    const compact: GroupMessage = {
      ...message,
      title: alert.title,
      summary: alert.summary,
      entries: message.entries.map((entry) => boundEntry(entry, COMPACT_ALERT_BOUNDS.quote)),
      alert,
    };
    return { subject: messageSubject(compact), message: perProtocol(compact, alertText(alert)) };
  }
  const shortText = groupMessageText({ ...message, entries: [] });
  const listing = (count: number): GroupMessage => ({
    ...message,
    entries: message.entries.slice(0, count),
  });
  let body = perProtocol(message, shortText);
  if (!fits(body)) {
    // The largest number of entries that fits: the size grows with every entry listed.
    let low = 0;
    let high = message.entries.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(perProtocol(listing(middle), shortText))) low = middle;
      else high = middle - 1;
    }
    body = perProtocol(listing(low), shortText);
  }
  return { subject: messageSubject(message), message: body };
};

/** SNS's refusals of a message for its content (size, characters): retrying cannot help. */
const isContentRefusal = (error: unknown): boolean =>
  error instanceof Error &&
  /^(InvalidParameter|InvalidParameterValue|ParameterValueInvalid)(Exception)?$/.test(error.name);

/** The same message with nothing quoted from the incidents: what SNS always takes. */
export const withoutEntries = (message: GroupMessage): GroupMessage => {
  const { alert: _single, ...rest } = message;
  return {
    ...rest,
    entries: [],
    actions: [...messageActions(message)],
    title: `${message.total} ${message.kind} alert(s) (details could not be sent)`,
    summary:
      `SNS refused the full message of this alert group, so its ${message.total} incident(s) ` +
      `are counted here, not listed. List them with: ${message.listCommand}`,
  };
};

/**
 * The email channel over the alerts topic's publisher (which renders {@link snsMessageOf}).
 * SNS refusing a message for its content gets the message without its entries, so the group
 * is still reported with the command that lists it.
 */
export const emailChannel = (publisher: AlertPublisher): Channel<GroupMessage> => ({
  name: 'email',
  label: 'Email',
  // SNS throttling is retried by the SDK; a refusal fails the flush, which SQS retries.
  limits: { minIntervalMs: EMAIL_INTERVAL_MS, maxAttempts: 1, maxRetryAfterMs: 0 },
  render: (message) => message,
  send: (message) => publisher.publish(message),
  retryAfterOf: () => undefined,
  fallback: (message, error) => (isContentRefusal(error) ? withoutEntries(message) : undefined),
});

/** The email subject of one incident's alert (a message covering it alone has the same). */
export const alertSubject = (alert: Alert): string => subjectLine(alert.severity, alert.title);
