import type { Alert } from '../../core/alerts.ts';
import type { IntegrationState } from '../../core/events.ts';
import { LOCAL_OPS } from './commands.ts';
import { runbookOf } from './kinds.ts';

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

/** The alert with its kind's runbook, its commands aimed at the local runtime (a group message aims them at its stage). */
const withRunbook = (alert: Alert): Alert => ({ ...alert, actions: runbookOf(alert, LOCAL_OPS) });

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
export const integrationDriftAlert = (incident: DriftIncident): Alert =>
  withRunbook(driftAlert(incident));

const driftAlert = (incident: DriftIncident): Alert => {
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
    actions: [],
  };
};

/** The notice that a reported disagreement is over. */
export const integrationDriftResolvedAlert = (incident: DriftIncident): Alert =>
  withRunbook(driftResolvedAlert(incident));

const driftResolvedAlert = (incident: DriftIncident): Alert => {
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
    actions: [],
  };
};
