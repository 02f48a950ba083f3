import type { Alert, AlertIntegration, AlertKind } from '../../core/alerts.ts';
import type { DeliveryErrorNotice, IntegrationEvent, ValidationError } from '../../core/events.ts';
import { ALERT_MAX_HISTORY, truncateChars } from '../../core/limits.ts';
import { resultingState } from '../../core/state.ts';
import type { IntegrationView } from '../../core/view.ts';
import { DLQ_RETENTION_DAYS } from '../../definitions/resources.ts';
import { quote } from './bounds.ts';
import { LOCAL_OPS } from './commands.ts';
import { ALERT_KIND_SPECS, runbookOf } from './kinds.ts';

/**
 * What each alert says about its one incident: what happened, to which organization /
 * location / fulfillment service / integration, where it stands now, and what to do (the kind's
 * runbook from `ALERT_KIND_SPECS`; a group message aims its commands at the stage). Plain
 * functions over plain data. Never the `accessToken`: builders read named fields only, and the
 * integration view carries none.
 */

const ERROR_MESSAGE_LIMIT = 200;
const QUARANTINE_ERROR_LIMIT = 10;
const ALARM_REASON_LIMIT = 300;

const integrationFacts = (view: IntegrationView): AlertIntegration => ({
  id: view.id,
  organizationId: view.organizationId,
  locationId: view.locationId,
  fulfillmentServiceId: view.fulfillmentServiceId,
  state: view.state,
  stateSince: view.lastEventAt,
  recentHistory: view.history.slice(0, ALERT_MAX_HISTORY).map((line) => ({ ...line })),
});

/** An alert of `kind` with the kind's severity and runbook; `severity` overrides the former. */
const alertOf = (
  kind: AlertKind,
  fields: Omit<Alert, 'version' | 'kind' | 'severity' | 'actions'> & {
    readonly severity?: Alert['severity'];
  },
): Alert => {
  const { severity, integration, facts, ...text } = fields;
  const alert: Alert = {
    version: 1,
    kind,
    severity: severity ?? ALERT_KIND_SPECS[kind].severity,
    ...text,
    ...(integration ? { integration } : {}),
    facts,
    actions: [],
  };
  return { ...alert, actions: runbookOf(alert, LOCAL_OPS) };
};

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

export const integrationErroredAlert = (event: IntegrationEvent, view: IntegrationView): Alert =>
  alertOf('integration-errored', {
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
  });

export const integrationRejectedAlert = (event: IntegrationEvent, view: IntegrationView): Alert =>
  alertOf('integration-rejected', {
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
  return alertOf('integration-stuck-pending', {
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
  });
};

export const quarantinedAlert = (quarantine: {
  readonly id: string;
  readonly source: string;
  readonly receivedAt: string;
  readonly errors: readonly ValidationError[];
}): Alert =>
  alertOf('quarantined', {
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
        value: truncateChars(error.message, ERROR_MESSAGE_LIMIT),
      })),
    ],
  });

export const deliveryErrorAlert = (notice: {
  readonly id: string;
  readonly receivedAt: string;
  readonly notice: DeliveryErrorNotice;
}): Alert =>
  alertOf('delivery-error', {
    incidentKey: `delivery-error|${notice.id}`,
    occurredAt: notice.receivedAt,
    organizationId: null,
    title: `A platform is failing to deliver webhooks to ${quote(notice.notice.endpoint)}`,
    summary:
      `The sending platform reports three or more consecutive failed deliveries (code ` +
      `${quote(notice.notice.code)}): ${truncateChars(notice.notice.message, ERROR_MESSAGE_LIMIT) || '(no message)'}. ` +
      'Events it could not deliver are retried by the platform for a limited time, then dropped.',
    facts: [
      { label: 'Endpoint', value: notice.notice.endpoint },
      { label: 'Code', value: notice.notice.code },
      { label: 'Received at', value: notice.receivedAt },
    ],
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
  return alertOf('integration-resolved', {
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
  });
};

/** What a notifier reads from a CloudWatch alarm on a dead-letter queue. */
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
  if (!firing) {
    title = `Alarm ${alarm.alarmName} is now ${alarm.newState}`;
    summary = `${queue ? `The alarm on ${queue}` : `Alarm ${alarm.alarmName}`} left ALARM (was ${alarm.previousState ?? 'unknown'}).`;
  } else if (queue) {
    title = `Messages are waiting in dead-letter queue ${queue}`;
    summary =
      `${queue} is not empty: messages failed every retry and were set aside, unprocessed. ` +
      `Nothing is lost while they stay there (${DLQ_RETENTION_DAYS} days), but the events or alerts they hold ` +
      'have not taken effect.';
  } else {
    title = `Alarm ${alarm.alarmName} is firing`;
    summary = alarm.description ?? alarm.reason;
  }
  return alertOf('dead-letters', {
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
      { label: 'Reason', value: truncateChars(alarm.reason, ALARM_REASON_LIMIT) },
      ...(alarm.region ? [{ label: 'Region', value: alarm.region }] : []),
      ...(alarm.accountId ? [{ label: 'Account', value: alarm.accountId }] : []),
    ],
  });
};
