import * as v from 'valibot';
import { INTEGRATION_STATES } from './events.ts';

/**
 * The one alert message published to SNS. Subscribers (email, the Slack notifier) read this
 * schema; the publisher copies `severity`, `kind` and `organizationId` into SNS message
 * attributes so subscriptions can filter. It never carries an `accessToken`.
 */

export const ALERT_KINDS = [
  'integration-errored',
  'integration-rejected',
  'integration-stuck-pending',
  'delivery-error',
  'quarantined',
  'dead-letters',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['critical', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

const HistoryLine = v.object({
  type: v.string(),
  date: v.string(),
  messageId: v.string(),
  outcome: v.string(),
});

export const AlertIntegrationSchema = v.object({
  id: v.string(),
  organizationId: v.nullable(v.string()),
  locationId: v.nullable(v.string()),
  fulfillmentServiceId: v.nullable(v.string()),
  state: v.nullable(v.picklist(INTEGRATION_STATES)),
  /** When the current state's event happened (`header.date`). */
  stateSince: v.nullable(v.string()),
  recentHistory: v.array(HistoryLine),
});
export type AlertIntegration = v.InferOutput<typeof AlertIntegrationSchema>;

export const AlertSchema = v.object({
  version: v.literal(1),
  kind: v.picklist(ALERT_KINDS),
  severity: v.picklist(SEVERITIES),
  /** The incident this alert is about; the same incident always yields the same key. */
  incidentKey: v.pipe(v.string(), v.nonEmpty()),
  /** When the incident happened (event date, or receipt time for notices). */
  occurredAt: v.string(),
  organizationId: v.nullable(v.string()),
  /** One line, fit for an email subject. */
  title: v.pipe(v.string(), v.nonEmpty()),
  /** What happened, in a sentence or two. */
  summary: v.string(),
  integration: v.optional(AlertIntegrationSchema),
  /** Extra facts shown as label/value pairs (endpoint, error code, validation errors…). */
  facts: v.array(v.object({ label: v.string(), value: v.string() })),
  /** What the person on call should do, in order. */
  actions: v.array(v.string()),
});
export type Alert = v.InferOutput<typeof AlertSchema>;
