import { createHash } from 'node:crypto';
import type { Alert, AlertIntegration } from '../../core/alerts.ts';
import { stepOf } from '../../core/events.ts';
import {
  ALERT_INCIDENT_KEY_MAX_BYTES,
  ALERT_MAX_ACTIONS,
  ALERT_MAX_FACTS,
  ALERT_MAX_HISTORY,
  ALERT_QUOTE_MAX_CHARS,
  ALERT_TEXT_MAX_CHARS,
  SNS_SUBJECT_MAX_CHARS,
  truncateChars,
  utf8Bytes,
} from '../../core/limits.ts';

/**
 * How much of an alert any channel carries: every sender-supplied string cleaned of the
 * characters SNS, SQS or a chat service refuse and cut to a bound, every list capped. Pure.
 */

/**
 * Control characters (but tab, line feed and carriage return), lone surrogates and the
 * non-characters U+FFFE/U+FFFF: what SNS, SQS and chat services may refuse, replaced by U+FFFD.
 */
const UNSAFE = /[^\P{Cc}\t\n\r]|[\ufffe\uffff]|\p{Cs}/gu;

/**
 * `text` as alerts carry any sender-supplied string: characters SNS, SQS or a chat service
 * refuse replaced by U+FFFD, and cut to `maxChars` (never inside a surrogate pair).
 */
export const boundText = (text: string, maxChars: number): string =>
  truncateChars(text.replace(UNSAFE, '\ufffd'), maxChars);

/** Ids quoted in sentences are cut like every other quoted value. */
export const quote = (text: string): string => boundText(text, ALERT_QUOTE_MAX_CHARS);

/** How much of an alert is kept: the usual bounds, and a compact fallback. */
export interface AlertBounds {
  readonly quote: number;
  readonly title: number;
  readonly summary: number;
  readonly factValue: number;
  readonly facts: number;
  readonly history: number;
  readonly action: number;
}

export const ALERT_BOUNDS: AlertBounds = {
  quote: ALERT_QUOTE_MAX_CHARS,
  title: 200,
  summary: ALERT_TEXT_MAX_CHARS,
  factValue: 300,
  facts: ALERT_MAX_FACTS,
  history: ALERT_MAX_HISTORY,
  action: 500,
};

/**
 * For the rare alert whose every quoted value is at its bound and made of characters that
 * escape to many bytes: small enough to fit SNS in any case.
 */
export const COMPACT_ALERT_BOUNDS: AlertBounds = {
  quote: 64,
  title: 120,
  summary: 300,
  factValue: 64,
  facts: 5,
  history: 0,
  action: 300,
};

/**
 * An alert every channel can carry: each quoted value cut (ids, types, sender messages), each
 * list capped, characters that SNS/SQS/chat services refuse replaced, and an incident key too
 * long for a ledger key replaced by its SHA-256 (same key in, same key out, so dedupe holds).
 */
export const boundAlert = (alert: Alert, bounds: AlertBounds = ALERT_BOUNDS): Alert => {
  const cut = (text: string): string => boundText(text, bounds.quote);
  const cutOrNull = (text: string | null): string | null => (text === null ? null : cut(text));
  const key = boundText(alert.incidentKey, Number.MAX_SAFE_INTEGER);
  const incidentKey =
    utf8Bytes(key) <= ALERT_INCIDENT_KEY_MAX_BYTES
      ? key
      : `sha256:${createHash('sha256').update(alert.incidentKey, 'utf8').digest('hex')}`;
  const integration = alert.integration;
  return {
    ...alert,
    incidentKey,
    occurredAt: cut(alert.occurredAt),
    organizationId: cutOrNull(alert.organizationId),
    title: boundText(alert.title, bounds.title),
    summary: boundText(alert.summary, bounds.summary),
    ...(integration
      ? {
          integration: {
            id: cut(integration.id),
            organizationId: cutOrNull(integration.organizationId),
            locationId: cutOrNull(integration.locationId),
            fulfillmentServiceId: cutOrNull(integration.fulfillmentServiceId),
            state: integration.state,
            stateSince: cutOrNull(integration.stateSince),
            recentHistory: integration.recentHistory.slice(0, bounds.history).map((line) => ({
              type: cut(line.type),
              date: cut(line.date),
              messageId: cut(line.messageId),
              outcome: cut(line.outcome),
            })),
          },
        }
      : {}),
    facts: alert.facts.slice(0, bounds.facts).map((fact) => ({
      label: cut(fact.label),
      value: boundText(fact.value, bounds.factValue),
    })),
    actions: alert.actions
      .slice(0, ALERT_MAX_ACTIONS)
      .map((action) => boundText(action, bounds.action)),
  };
};

/**
 * `[SEVERITY] title` on one line, cut to what SNS accepts as an email subject (under 100
 * characters, no line breaks), with an ASCII `...` where it was cut.
 */
export const subjectLine = (severity: Alert['severity'], title: string): string => {
  const subject = `[${severity.toUpperCase()}] ${title}`.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (subject.length <= SNS_SUBJECT_MAX_CHARS) return subject;
  // Never cut between the halves of a surrogate pair: a lone half fails the SNS request.
  let end = SNS_SUBJECT_MAX_CHARS - 3;
  const last = subject.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${subject.slice(0, end)}...`;
};

/** The current state and since when, e.g. `ERROR since 2024-06-11T14:00:00.000Z`. */
export const stateLine = (integration: AlertIntegration): string =>
  integration.state === null
    ? 'unknown (no lifecycle event applied yet)'
    : `${integration.state} since ${integration.stateSince ?? 'unknown'}`;

/** An entry or id is one line wherever it is shown: a line break must not start another. */
export const oneLine = (text: string): string => text.replace(/[\r\n\t]/g, ' ');
export const oneLineOrNull = (text: string | null): string | null =>
  text === null ? null : oneLine(text);

/** A lifecycle event type by its step (`errored`), for chat lines; other types in full. */
export const shortEventType = (type: string): string => stepOf(type) ?? type;
