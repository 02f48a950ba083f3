import { createHash } from 'node:crypto';
import { DLQ_RETENTION_DAYS } from '../definitions/resources.ts';
import type { Alert, AlertIntegration } from './alerts.ts';
import type { DeliveryErrorNotice, IntegrationEvent, ValidationError } from './events.ts';
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
} from './limits.ts';
import { resultingState } from './state.ts';
import type { IntegrationView } from './view.ts';

/**
 * What each alert says. Plain functions over plain data: what happened, to which
 * organization / location / fulfillment service / integration, where it stands now, and what
 * to do. Never the `accessToken`: builders read named fields only, and the integration view
 * carries none.
 */

const RECENT_HISTORY = ALERT_MAX_HISTORY;
const ERROR_MESSAGE_LIMIT = 200;
const QUARANTINE_ERROR_LIMIT = 10;

const integrationFacts = (view: IntegrationView): AlertIntegration => ({
  id: view.id,
  organizationId: view.organizationId,
  locationId: view.locationId,
  fulfillmentServiceId: view.fulfillmentServiceId,
  state: view.state,
  stateSince: view.lastEventAt,
  recentHistory: view.history.slice(0, RECENT_HISTORY).map((line) => ({ ...line })),
});

const truncate = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;

/** The incident key of a lifecycle event: integration id + type + `header.date`. */
export const lifecycleIncidentKey = (event: IntegrationEvent): string =>
  `${event.body.id}|${event.header.type}|${event.header.date}`;

/**
 * A sentence for when the integration has moved on since the event being reported (events
 * arrive out of order, and an alert can be re-sent after a crash): the reader should not
 * act on a state that no longer holds.
 */
const movedOnNote = (expected: string, view: IntegrationView): string =>
  view.state !== null && view.state !== expected
    ? ` Note: the integration is now ${view.state} (since ${view.lastEventAt ?? 'unknown'}), ` +
      'so this may already be resolved.'
    : '';

const lifecycleFacts = (event: IntegrationEvent) => [
  { label: 'Event', value: event.header.type },
  { label: 'Event date', value: event.header.date },
  { label: 'Message id', value: event.header.messageId },
  { label: 'Webhook id', value: event.header.webhookId },
];

/** The runbook of an errored integration (also that of a group of them). */
const ERRORED_ACTIONS: readonly string[] = [
  'Investigate the failure with the fulfillment service provider: connectivity, expired or revoked credentials, missing scopes.',
  'Reassign delivery orders that were in flight to this location to another location.',
  'Once the cause is fixed, retry the connection; if the service no longer accepts it, recreate the integration in HappyColis.',
];

/** The runbook of a rejected integration. */
const REJECTED_ACTIONS: readonly string[] = [
  'Contact the fulfillment service provider to learn why the connection was rejected (contract, scopes, account setup).',
  'Keep routing delivery orders for this location to another location until a new integration is ACTIVE.',
  'Once the cause is resolved, create a new integration in HappyColis; a later "accepted" for this one is recorded as an anomaly, not applied.',
];

/** The runbook of an integration stuck in PENDING. */
const STUCK_PENDING_ACTIONS: readonly string[] = [
  'Contact the fulfillment service provider to accept or reject the connection request.',
  "Check in HappyColis that this integration's webhook queue is not blocked (a failed delivery blocks every later event until unblocked by hand), and check our DLQ and quarantine.",
  'Do not route delivery orders to this location through this service until the integration is ACTIVE.',
];

/** The runbook of a delivery-error notice. */
export const DELIVERY_ERROR_ACTIONS: readonly string[] = [
  'Check that the endpoint is reachable and answers 200 within 10 seconds.',
  'Check the ingest function logs and the API 4xx/5xx alarms for the same period.',
  'Once fixed, ask the platform to resend the failed events.',
];

/** What to do once an errored integration is back. */
export const RESOLVED_ACTIONS: readonly string[] = [
  'Nothing to do; check that delivery orders reassigned during the outage are routed back if wanted.',
];

export const integrationErroredAlert = (event: IntegrationEvent, view: IntegrationView): Alert => ({
  version: 1,
  kind: 'integration-errored',
  severity: 'critical',
  incidentKey: lifecycleIncidentKey(event),
  occurredAt: event.header.date,
  organizationId: event.header.organizationId,
  title: `Fulfillment integration errored at location ${quote(event.body.locationId)}`,
  summary:
    `HappyColis reports that the connection between location ${quote(event.body.locationId)} and ` +
    `fulfillment service ${quote(event.body.fulfillmentServiceId)} (integration ${quote(event.body.id)}) ` +
    `failed at ${quote(event.header.date)}. Delivery orders sent to this service may be stuck.` +
    movedOnNote('ERROR', view),
  integration: integrationFacts(view),
  facts: lifecycleFacts(event),
  actions: [...ERRORED_ACTIONS],
});

export const integrationRejectedAlert = (
  event: IntegrationEvent,
  view: IntegrationView,
): Alert => ({
  version: 1,
  kind: 'integration-rejected',
  severity: 'warning',
  incidentKey: lifecycleIncidentKey(event),
  occurredAt: event.header.date,
  organizationId: event.header.organizationId,
  title: `Fulfillment integration rejected at location ${quote(event.body.locationId)}`,
  summary:
    `Fulfillment service ${quote(event.body.fulfillmentServiceId)} refused the connection request ` +
    `from location ${quote(event.body.locationId)} (integration ${quote(event.body.id)}) at ` +
    `${quote(event.header.date)}. No orders can be fulfilled through this integration, and it cannot ` +
    'be reactivated: HappyColis requires a new integration to retry.' +
    movedOnNote(event.body.state === 'ERROR' ? 'ERROR' : 'INACTIVE', view),
  integration: integrationFacts(view),
  facts: lifecycleFacts(event),
  actions: [...REJECTED_ACTIONS],
});

/** Whole hours between two instants, for "pending for 25 h". */
const hoursBetween = (from: string, to: Date): number =>
  Math.floor((to.getTime() - Date.parse(from)) / (60 * 60 * 1000));

export const integrationStuckPendingAlert = (input: {
  readonly view: IntegrationView;
  /** `header.date` of the `created` event that put the integration in PENDING. */
  readonly createdAt: string;
  readonly thresholdHours: number;
  readonly now: Date;
}): Alert => {
  const { view, createdAt, thresholdHours, now } = input;
  const hours = hoursBetween(createdAt, now);
  return {
    version: 1,
    kind: 'integration-stuck-pending',
    severity: 'warning',
    incidentKey: `${view.id}|stuck-pending|${createdAt}`,
    occurredAt: now.toISOString(),
    organizationId: view.organizationId,
    title: `Fulfillment integration pending for ${hours} h at location ${view.locationId ?? 'unknown'}`,
    summary:
      `Integration ${view.id} between location ${view.locationId ?? 'unknown'} and fulfillment ` +
      `service ${view.fulfillmentServiceId ?? 'unknown'} was created at ${createdAt} and is still ` +
      `PENDING after ${hours} h (threshold ${thresholdHours} h): the service has neither ` +
      'accepted nor rejected it, or its answer never reached us.',
    integration: integrationFacts(view),
    facts: [
      { label: 'Pending since', value: createdAt },
      { label: 'Threshold', value: `${thresholdHours} h` },
    ],
    actions: [...STUCK_PENDING_ACTIONS],
  };
};

export const quarantinedAlert = (quarantine: {
  readonly id: string;
  readonly source: string;
  readonly receivedAt: string;
  readonly errors: readonly ValidationError[];
}): Alert => ({
  version: 1,
  kind: 'quarantined',
  severity: 'warning',
  incidentKey: `quarantined|${quarantine.id}`,
  occurredAt: quarantine.receivedAt,
  organizationId: null,
  title: `Authentic ${quarantine.source} webhook failed validation and was quarantined`,
  summary:
    'The sender signed this payload, so it was acknowledged (a refusal would block the ' +
    "sender's queue), but it does not match the documented contract and was not applied. " +
    'The state of the integration it was about may now be out of date.',
  facts: [
    { label: 'Quarantine id', value: quarantine.id },
    { label: 'Received at', value: quarantine.receivedAt },
    ...quarantine.errors.slice(0, QUARANTINE_ERROR_LIMIT).map((error) => ({
      label: error.path,
      value: truncate(error.message, ERROR_MESSAGE_LIMIT),
    })),
  ],
  actions: [
    `Read the quarantined payload (tokens redacted) in the table: pk QUARANTINE#${quarantine.id}.`,
    'If the sender changed its format, update the schema and replay the payload; if the payload is wrong, report it to the sender.',
    'Check the integration it names with GET /integrations/{id}: its state may be stale until the event is replayed.',
  ],
});

export const deliveryErrorAlert = (notice: {
  readonly id: string;
  readonly receivedAt: string;
  readonly notice: DeliveryErrorNotice;
}): Alert => ({
  version: 1,
  kind: 'delivery-error',
  severity: 'critical',
  incidentKey: `delivery-error|${notice.id}`,
  occurredAt: notice.receivedAt,
  organizationId: null,
  title: `A platform is failing to deliver webhooks to ${quote(notice.notice.endpoint)}`,
  summary:
    `The sending platform reports three or more consecutive failed deliveries (code ` +
    `${quote(notice.notice.code)}): ${truncate(notice.notice.message, ERROR_MESSAGE_LIMIT) || '(no message)'}. ` +
    'Events it could not deliver are retried by the platform for a limited time, then dropped.',
  facts: [
    { label: 'Endpoint', value: notice.notice.endpoint },
    { label: 'Code', value: notice.notice.code },
    { label: 'Received at', value: notice.receivedAt },
  ],
  actions: [...DELIVERY_ERROR_ACTIONS],
});

/**
 * The notice that incident `reported` (an `integration-errored` alert) is over: `event`, an
 * `accepted` or `created` greater than the errored one, made the integration ACTIVE or PENDING.
 * It keeps the organization and fulfillment service of the reported alert, so that its group is
 * the reported alert's group plus `|resolved` (see `groupKeyOf`).
 */
export const integrationResolvedAlert = (input: {
  readonly reported: Alert;
  readonly event: IntegrationEvent;
  readonly view: IntegrationView;
}): Alert => {
  const { reported, event, view } = input;
  const facts = integrationFacts(view);
  const reportedIntegration = reported.integration;
  const now = resultingState(event);
  return {
    version: 1,
    kind: 'integration-resolved',
    severity: reported.severity,
    incidentKey: `resolved|${reported.incidentKey}`,
    occurredAt: event.header.date,
    organizationId: reported.organizationId,
    title: `Resolved: fulfillment integration at location ${quote(event.body.locationId)} is ${now} again`,
    summary:
      `The connection between location ${quote(event.body.locationId)} and fulfillment service ` +
      `${quote(event.body.fulfillmentServiceId)} (integration ${quote(event.body.id)}), reported in ` +
      `ERROR at ${quote(reported.occurredAt)}, is ${now} again: HappyColis sent ` +
      `"${quote(event.header.type)}" dated ${quote(event.header.date)}.`,
    // The reported alert's ids, whatever the view says, so both land in related groups.
    integration: {
      ...facts,
      organizationId: reportedIntegration?.organizationId ?? facts.organizationId,
      fulfillmentServiceId: reportedIntegration?.fulfillmentServiceId ?? null,
    },
    facts: [
      { label: 'Resolved by', value: event.header.type },
      { label: 'Resolved at', value: event.header.date },
      { label: 'Errored at', value: reported.occurredAt },
      { label: 'Reported incident', value: reported.incidentKey },
    ],
    actions: [...RESOLVED_ACTIONS],
  };
};

/** What the Slack notifier reads from a CloudWatch alarm on a dead-letter queue. */
export interface DeadLetterAlarm {
  readonly alarmName: string;
  readonly description: string | null;
  readonly newState: string;
  readonly previousState: string | null;
  readonly reason: string;
  readonly stateChangeTime: string;
  readonly region: string | null;
  readonly accountId: string | null;
  /** The `QueueName` dimension of the alarm's metric, when it has one. */
  readonly queueName: string | null;
}

/** The runbook of a dead-letter queue that is not empty. */
export const DLQ_ACTIONS: readonly string[] = [
  'Find why the messages failed: the consuming function\'s logs ("record failed" lines, the RecordsFailed metric) for the same period.',
  'Fix the cause (a bug, a permission, a throttled dependency, a revoked Slack webhook).',
  'Redrive the DLQ to its source queue (SQS console "Start DLQ redrive", or aws sqs start-message-move-task); processing is idempotent, so a redrive cannot double-apply or double-alert.',
];

/**
 * A CloudWatch alarm published to the alerts topic by CloudWatch itself (its own JSON, not our
 * schema): the DLQ alarm. Every state change is one incident. An alarm without a queue is
 * rendered in general terms rather than mislabelled as a queue.
 */
export const deadLettersAlert = (alarm: DeadLetterAlarm): Alert => {
  const firing = alarm.newState === 'ALARM';
  const queue = alarm.queueName;
  let title: string;
  let summary: string;
  let actions: string[];
  if (!firing) {
    title = `Alarm ${alarm.alarmName} is now ${alarm.newState}`;
    summary = `${queue ? `The alarm on ${queue}` : `Alarm ${alarm.alarmName}`} left ALARM (was ${alarm.previousState ?? 'unknown'}).`;
    actions = [
      'Nothing to do if the DLQ was redriven or purged on purpose; otherwise find out who emptied it.',
    ];
  } else if (queue) {
    title = `Messages are waiting in dead-letter queue ${queue}`;
    summary =
      `${queue} is not empty: messages failed every retry and were set aside, unprocessed. ` +
      `Nothing is lost while they stay there (${DLQ_RETENTION_DAYS} days), but the events or alerts they hold ` +
      'have not taken effect.';
    actions = [...DLQ_ACTIONS];
  } else {
    title = `Alarm ${alarm.alarmName} is firing`;
    summary = alarm.description ?? alarm.reason;
    actions = [
      'Read the alarm reason below, then the metrics and logs of the resource it watches.',
      'If it watches a queue, check its DLQ too: messages there have not taken effect.',
    ];
  }
  return {
    version: 1,
    kind: 'dead-letters',
    severity: firing ? 'critical' : 'warning',
    incidentKey: `dead-letters|${alarm.alarmName}|${alarm.newState}|${alarm.stateChangeTime}`,
    occurredAt: alarm.stateChangeTime,
    organizationId: null,
    title,
    summary,
    facts: [
      { label: 'Alarm', value: alarm.alarmName },
      ...(queue ? [{ label: 'Queue', value: queue }] : []),
      { label: 'State', value: `${alarm.previousState ?? 'unknown'} -> ${alarm.newState}` },
      { label: 'Reason', value: truncate(alarm.reason, 300) },
      ...(alarm.region ? [{ label: 'Region', value: alarm.region }] : []),
      ...(alarm.accountId ? [{ label: 'Account', value: alarm.accountId }] : []),
    ],
    actions,
  };
};

/** SNS refuses a subject of 100 characters or more, or with line breaks or control characters. */
const SUBJECT_LIMIT = SNS_SUBJECT_MAX_CHARS;

/**
 * Control characters (but tab, line feed and carriage return), lone surrogates and the non-characters
 * U+FFFE/U+FFFF: what SNS, SQS and Slack may refuse, replaced by U+FFFD in alerts.
 */
const UNSAFE = /[^\P{Cc}\t\n\r]|[\ufffe\uffff]|\p{Cs}/gu;

/** Ids quoted in sentences are cut like every other quoted value. */
const quote = (text: string): string => clean(text, ALERT_QUOTE_MAX_CHARS);

const clean = (text: string, maxChars: number): string =>
  truncateChars(text.replace(UNSAFE, '\ufffd'), maxChars);

/**
 * `text` as alerts carry any sender-supplied string: characters SNS, SQS or Slack refuse
 * replaced by U+FFFD, and cut to `maxChars`.
 */
export const boundText = (text: string, maxChars: number): string => clean(text, maxChars);

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
 * list capped, characters that SNS/SQS/Slack refuse replaced, and an incident key too long
 * for a ledger key replaced by its digest (same key in, same key out, so dedupe holds). The
 * SNS publisher and the Slack rendering apply it.
 */
export const boundAlert = (alert: Alert, bounds: AlertBounds = ALERT_BOUNDS): Alert => {
  const quote = (text: string): string => clean(text, bounds.quote);
  const quoteOrNull = (text: string | null): string | null => (text === null ? null : quote(text));
  const key = clean(alert.incidentKey, Number.MAX_SAFE_INTEGER);
  const incidentKey =
    utf8Bytes(key) <= ALERT_INCIDENT_KEY_MAX_BYTES
      ? key
      : `sha256:${createHash('sha256').update(alert.incidentKey, 'utf8').digest('hex')}`;
  const integration = alert.integration;
  return {
    ...alert,
    incidentKey,
    occurredAt: quote(alert.occurredAt),
    organizationId: quoteOrNull(alert.organizationId),
    title: clean(alert.title, bounds.title),
    summary: clean(alert.summary, bounds.summary),
    ...(integration
      ? {
          integration: {
            id: quote(integration.id),
            organizationId: quoteOrNull(integration.organizationId),
            locationId: quoteOrNull(integration.locationId),
            fulfillmentServiceId: quoteOrNull(integration.fulfillmentServiceId),
            state: integration.state,
            stateSince: quoteOrNull(integration.stateSince),
            recentHistory: integration.recentHistory.slice(0, bounds.history).map((line) => ({
              type: quote(line.type),
              date: quote(line.date),
              messageId: quote(line.messageId),
              outcome: quote(line.outcome),
            })),
          },
        }
      : {}),
    facts: alert.facts.slice(0, bounds.facts).map((fact) => ({
      label: quote(fact.label),
      value: clean(fact.value, bounds.factValue),
    })),
    actions: alert.actions
      .slice(0, ALERT_MAX_ACTIONS)
      .map((action) => clean(action, bounds.action)),
  };
};

/** An email subject: severity first, one line, short enough for SNS. */
export const alertSubject = (alert: Alert): string => subjectLine(alert.severity, alert.title);

/** `[SEVERITY] title` on one line, cut to what SNS accepts as a subject. */
export const subjectLine = (severity: Alert['severity'], title: string): string => {
  const subject = `[${severity.toUpperCase()}] ${title}`.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (subject.length <= SUBJECT_LIMIT) return subject;
  // Never cut between the halves of a surrogate pair: a lone half fails the SNS request.
  let end = SUBJECT_LIMIT - 3;
  const last = subject.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${subject.slice(0, end)}...`;
};

const LABEL_WIDTH = 21;
const labelled = (label: string, value: string) => `${`${label}:`.padEnd(LABEL_WIDTH)} ${value}`;

/** The current state and since when, e.g. `ERROR since 2024-06-11T14:00:00.000Z`. */
export const stateLine = (integration: AlertIntegration): string =>
  integration.state === null
    ? 'unknown (no lifecycle event applied yet)'
    : `${integration.state} since ${integration.stateSince ?? 'unknown'}`;

/** A plain-text rendering, for email and for logs. */
export const alertText = (alert: Alert): string => {
  const lines = [
    `${alert.severity.toUpperCase()}: ${alert.title}`,
    `Occurred at ${alert.occurredAt}`,
    '',
    alert.summary,
    '',
  ];
  const integration = alert.integration;
  if (integration) {
    lines.push(
      labelled('Organization', integration.organizationId ?? alert.organizationId ?? 'unknown'),
      labelled('Location', integration.locationId ?? 'unknown'),
      labelled('Fulfillment service', integration.fulfillmentServiceId ?? 'unknown'),
      labelled('Integration', integration.id),
      labelled('Current state', stateLine(integration)),
      '',
    );
    if (integration.recentHistory.length > 0) {
      lines.push('Recent events (newest first):');
      for (const line of integration.recentHistory) {
        lines.push(`  ${line.date}  ${line.type}  (${line.outcome})`);
      }
      lines.push('');
    }
  }
  for (const fact of alert.facts) lines.push(labelled(fact.label, fact.value));
  if (alert.facts.length > 0) lines.push('');
  lines.push('What to do:');
  alert.actions.forEach((action, index) => {
    lines.push(`  ${index + 1}. ${action}`);
  });
  lines.push(
    '',
    '--',
    `Severity: ${alert.severity} · kind: ${alert.kind} · incident: ${alert.incidentKey}`,
    'The same incident is alerted once; a repeat of this key is a re-send, not a new incident.',
  );
  return lines.join('\n');
};
