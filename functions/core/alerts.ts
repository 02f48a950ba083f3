import * as v from 'valibot';
import { INTEGRATION_STATES } from './events.ts';

/**
 * One incident's alert, as the ledger records it and a group message carries it. Subscribers
 * (email, the chat notifiers) read this schema; the publisher copies `severity`, `kind` and `organizationId` into SNS message
 * attributes so subscriptions can filter. It never carries an `accessToken`.
 */

export const ALERT_KINDS = [
  'integration-errored',
  'integration-rejected',
  'integration-stuck-pending',
  'delivery-error',
  'quarantined',
  'dead-letters',
  /** A reported `integration-errored` incident is over: a greater event made it ACTIVE/PENDING. */
  'integration-resolved',
  /** Our state disagrees with HappyColis's API past the grace period (the reconciler). */
  'integration-drift',
  /** A reported `integration-drift` incident is over: both sides agree again. */
  'integration-drift-resolved',
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

/** Whether a message reports incidents, or that incidents it reported earlier are over. */
export const MESSAGE_STATUSES = ['firing', 'resolved'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** One incident as a line of a grouped message: when, and which integration (if any). */
export const MessageEntrySchema = v.object({
  incidentKey: v.pipe(v.string(), v.nonEmpty()),
  occurredAt: v.string(),
  /** A short line for incidents without an integration (a quarantined payload, a notice). */
  title: v.string(),
  integration: v.nullable(
    v.object({
      id: v.string(),
      locationId: v.nullable(v.string()),
      fulfillmentServiceId: v.nullable(v.string()),
    }),
  ),
});
export type MessageEntry = v.InferOutput<typeof MessageEntrySchema>;

/**
 * One message of an alert group, as the SNS publish carries it (the `sqs` member) and every
 * chat notifier reads it: which group, which message of it (`seq`), and the incidents it covers.
 * A message that covers one incident carries that incident's full `alert`, so it reads as a
 * standalone alert with its runbook.
 */
export const GroupMessageSchema = v.object({
  version: v.literal(2),
  /** The group: kind, organization and (lifecycle kinds) fulfillment service; `|resolved` for resolved notices. */
  groupKey: v.pipe(v.string(), v.nonEmpty()),
  /** 1 for the group's first message, then one more per follow-up. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  status: v.picklist(MESSAGE_STATUSES),
  kind: v.picklist(ALERT_KINDS),
  severity: v.picklist(SEVERITIES),
  organizationId: v.nullable(v.string()),
  fulfillmentServiceId: v.nullable(v.string()),
  /** One line, fit for an email subject. */
  title: v.pipe(v.string(), v.nonEmpty()),
  /** What happened to the group, in a sentence or two. */
  summary: v.string(),
  /** How many incidents this message covers. */
  total: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** The incidents listed, oldest first; `total - entries.length` more are counted, not listed. */
  entries: v.array(MessageEntrySchema),
  /** A command that lists every incident of the group (`npm run ops -- …`). */
  listCommand: v.string(),
  /** Present when `total` is 1: the incident's own alert, with its runbook. */
  alert: v.optional(AlertSchema),
  /** Present when `total` is more than 1: the runbook of the kind, said once for the group. */
  actions: v.optional(v.array(v.string())),
});
export type GroupMessage = v.InferOutput<typeof GroupMessageSchema>;
