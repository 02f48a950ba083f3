import type { Alert, AlertIntegration } from './alerts.ts';
import type { DeliveryErrorNotice, IntegrationEvent, ValidationError } from './events.ts';
import type { IntegrationView } from './view.ts';

/**
 * What each alert says. Plain functions over plain data: what happened, to which
 * organization / location / fulfillment service / integration, where it stands now, and what
 * to do. Never the `accessToken`: nothing here receives one.
 */

const RECENT_HISTORY = 5;

const integrationFacts = (view: IntegrationView): AlertIntegration => ({
  id: view.id,
  organizationId: view.organizationId,
  locationId: view.locationId,
  fulfillmentServiceId: view.fulfillmentServiceId,
  state: view.state,
  stateSince: view.lastEventAt,
  recentHistory: view.history.slice(0, RECENT_HISTORY).map((line) => ({ ...line })),
});

/** The incident key of a lifecycle event: integration id + type + `header.date`. */
export const lifecycleIncidentKey = (event: IntegrationEvent): string =>
  `${event.body.id}|${event.header.type}|${event.header.date}`;

export const integrationErroredAlert = (event: IntegrationEvent, view: IntegrationView): Alert => ({
  version: 1,
  kind: 'integration-errored',
  severity: 'critical',
  incidentKey: lifecycleIncidentKey(event),
  occurredAt: event.header.date,
  organizationId: event.header.organizationId,
  title: `Fulfillment integration ${event.body.id} errored`,
  summary:
    `HappyColis reports that the connection between location ${event.body.locationId} and ` +
    `fulfillment service ${event.body.fulfillmentServiceId} failed at ${event.header.date}. ` +
    'Delivery orders sent to this service may be stuck.',
  integration: integrationFacts(view),
  facts: [
    { label: 'Event', value: event.header.type },
    { label: 'Message id', value: event.header.messageId },
  ],
  actions: [
    'Investigate the failure with the fulfillment service provider (connectivity or authentication).',
    'Reassign delivery orders that were in flight to this location to another location.',
    'Once the cause is fixed, retry the connection, or recreate the integration in HappyColis.',
  ],
});

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
  title: `An authentic ${quarantine.source} webhook failed validation and was quarantined`,
  summary:
    'The sender signed this payload, so it was acknowledged (a refusal would block the ' +
    "sender's queue), but it does not match the documented contract and was not applied.",
  facts: [
    { label: 'Quarantine id', value: quarantine.id },
    ...quarantine.errors.slice(0, 10).map((error) => ({ label: error.path, value: error.message })),
  ],
  actions: [
    'Read the quarantined payload in the table (pk QUARANTINE#<id>) and the errors above.',
    'If the sender changed its format, update the schema; then replay the payload.',
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
  title: `A platform is failing to deliver webhooks to ${notice.notice.endpoint}`,
  summary:
    `The sending platform reports repeated failed deliveries (code ${notice.notice.code}): ` +
    `${notice.notice.message || '(no message)'}`,
  facts: [
    { label: 'Endpoint', value: notice.notice.endpoint },
    { label: 'Code', value: notice.notice.code },
  ],
  actions: [
    'Check that the endpoint is reachable and answers 200 within 10 seconds.',
    'Check the ingest function logs and the API 4xx/5xx alarms for the same period.',
    'Once fixed, ask the platform to resend the failed events.',
  ],
});

const SUBJECT_LIMIT = 100;

/** An email subject: severity first, at most 100 characters (the SNS limit). */
export const alertSubject = (alert: Alert): string => {
  const subject = `[${alert.severity.toUpperCase()}] ${alert.title}`.replace(/\s+/g, ' ');
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 1)}…`;
};

/** A plain-text rendering, for email and for logs. */
export const alertText = (alert: Alert): string => {
  const lines = [alert.title, '', alert.summary, ''];
  const integration = alert.integration;
  if (integration) {
    lines.push(
      `Integration:          ${integration.id}`,
      `Organization:         ${integration.organizationId ?? 'unknown'}`,
      `Location:             ${integration.locationId ?? 'unknown'}`,
      `Fulfillment service:  ${integration.fulfillmentServiceId ?? 'unknown'}`,
      `Current state:        ${integration.state ?? 'unknown'} since ${integration.stateSince ?? 'unknown'}`,
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
  for (const fact of alert.facts) lines.push(`${fact.label}: ${fact.value}`);
  if (alert.facts.length > 0) lines.push('');
  lines.push('What to do:');
  alert.actions.forEach((action, index) => {
    lines.push(`  ${index + 1}. ${action}`);
  });
  lines.push(
    '',
    `Severity: ${alert.severity} · kind: ${alert.kind} · incident: ${alert.incidentKey}`,
  );
  return lines.join('\n');
};
