import type { Alert } from './alerts.ts';
import type { IntegrationState } from './events.ts';

/** A disagreement between our state and HappyColis's API, as the reconciler found it. */
export interface DriftFinding {
  readonly kind: 'agreement' | 'drift' | 'unknown-integration' | 'disconnected';
  readonly integrationId: string;
  readonly locationId: string;
  readonly organizationId: string;
  readonly fulfillmentServiceId: string;
  readonly ourState: IntegrationState;
  readonly theirIntegrationId: string | null;
  readonly theirState: IntegrationState | null;
}

/** One reported disagreement: the finding, its incident, since when, when last checked. */
export interface DriftIncident {
  readonly finding: DriftFinding;
  readonly incidentKey: string;
  readonly since: string;
  readonly observedAt: string;
}

/**
 * Disagreements with HappyColis as alerts (`integration-drift`), and their end
 * (`integration-drift-resolved`), recorded in their group through the alert ledger like every
 * other kind: grouped per organization, so integrations of one organization disagreeing together
 * make one message, which says HappyColis has probably blocked the webhook queue. Pure builders.
 */

const quote = (value: string | null) => value ?? 'none';

const WHAT: Record<
  Exclude<DriftFinding['kind'], 'agreement'>,
  (finding: DriftFinding) => string
> = {
  drift: (finding) =>
    `HappyColis says integration ${finding.integrationId} is ${quote(finding.theirState)}; our events say ${finding.ourState}.`,
  'unknown-integration': (finding) =>
    `HappyColis has integration ${quote(finding.theirIntegrationId)} (${quote(finding.theirState)}) at location ${finding.locationId}, one we never received a "created" for; ours there, ${finding.integrationId}, is ${finding.ourState}.`,
  disconnected: (finding) =>
    `Our integration ${finding.integrationId} is ${finding.ourState}, but HappyColis has ${finding.theirIntegrationId === null ? 'no integration' : `integration ${finding.theirIntegrationId} (${quote(finding.theirState)})`} at location ${finding.locationId}.`,
};

/** What to do about one disagreement. */
export const DRIFT_ACTIONS: readonly string[] = [
  'Check the webhook queue of the HappyColis application: a failed delivery (any non-2xx or timeout) blocks every later event until HappyColis support unblocks it; ask them, and check our API 5xx alarms for the time the disagreement began.',
  'Once the queue is unblocked, the queued events arrive in order and the disagreement resolves by itself (a resolved notice follows the next sweep).',
  'If the queue is healthy, the event was lost elsewhere: check our DLQ (`npm run ops -- dlq show`) and quarantine (`npm run ops -- quarantine list`).',
];

/** What to do when several integrations of one organization disagree together. */
export const BLOCKED_QUEUE_ACTIONS: readonly string[] = [
  "Contact HappyColis support: the application's webhook queue is probably BLOCKED (HappyColis never retries; one failed delivery holds every later event). Give them the time of the oldest disagreement.",
  'Find what failed at that time: our API 5xx and latency alarms, a deploy, an API Gateway incident.',
  'Once unblocked, the queued events arrive in order and the disagreements resolve by themselves; `npm run ops -- reconcile` checks at once.',
];

export const RESOLVED_DRIFT_ACTIONS: readonly string[] = [
  'Nothing to do: our state agrees with HappyColis again.',
];

const integrationOf = (finding: DriftFinding) => ({
  id: finding.integrationId,
  organizationId: finding.organizationId,
  locationId: finding.locationId,
  fulfillmentServiceId: finding.fulfillmentServiceId,
  state: finding.ourState,
  stateSince: null,
  recentHistory: [],
});

/** The alert of a disagreement that outlasted the grace period. */
export const integrationDriftAlert = (incident: DriftIncident): Alert => {
  const { finding } = incident;
  const kind = finding.kind === 'agreement' ? 'drift' : finding.kind;
  return {
    version: 1,
    kind: 'integration-drift',
    severity: 'critical',
    incidentKey: incident.incidentKey,
    occurredAt: incident.since,
    organizationId: finding.organizationId,
    title: `Integration ${finding.integrationId} disagrees with HappyColis since ${incident.since} (${kind})`,
    summary: `${WHAT[kind](finding)} The two sides disagree since ${incident.since}: events HappyColis should have sent have not reached us, which usually means it blocked the webhook queue.`,
    integration: integrationOf(finding),
    facts: [
      { label: 'Finding', value: kind },
      { label: 'Location', value: finding.locationId },
      { label: 'Our state', value: finding.ourState },
      { label: 'HappyColis integration', value: quote(finding.theirIntegrationId) },
      { label: 'HappyColis state', value: quote(finding.theirState) },
      { label: 'Disagreeing since', value: incident.since },
      { label: 'Last checked', value: incident.observedAt },
    ],
    actions: [...DRIFT_ACTIONS],
  };
};

/** The notice that a reported disagreement is over. */
export const integrationDriftResolvedAlert = (incident: DriftIncident): Alert => {
  const { finding } = incident;
  return {
    version: 1,
    kind: 'integration-drift-resolved',
    severity: 'critical',
    incidentKey: `resolved|${incident.incidentKey}`,
    occurredAt: incident.observedAt,
    organizationId: finding.organizationId,
    title: `Resolved: integration ${finding.integrationId} agrees with HappyColis again (${finding.ourState})`,
    summary: `Integration ${finding.integrationId} at location ${finding.locationId}, reported disagreeing with HappyColis since ${incident.since}, agrees again: both say ${finding.ourState}.`,
    integration: integrationOf(finding),
    facts: [
      { label: 'Agreeing since', value: incident.observedAt },
      { label: 'Disagreeing since', value: incident.since },
      { label: 'Reported incident', value: incident.incidentKey },
    ],
    actions: [...RESOLVED_DRIFT_ACTIONS],
  };
};
