import * as v from 'valibot';
import { INTEGRATION_STATES, type IntegrationState } from '../core/events.ts';
import type { IntegrationSummary } from '../core/fleet.ts';

/**
 * What a comparison of our integrations at one location with what HappyColis's API says there
 * finds. Pure: no I/O, time comes in as an argument.
 */

/**
 * - `agreement`: HappyColis says what we say (or the integration is over on both sides);
 * - `drift`: the same integration, in another state at HappyColis;
 * - `unknown-integration`: HappyColis has another integration at the location, one we never
 *   heard of (a `created` we missed);
 * - `disconnected`: ours is PENDING or ACTIVE, HappyColis has no integration there (or another
 *   one we know, or no such location).
 */
export const FINDING_KINDS = ['agreement', 'drift', 'unknown-integration', 'disconnected'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export const FindingSchema = v.object({
  kind: v.picklist(FINDING_KINDS),
  /** Our integration the finding is about. */
  integrationId: v.string(),
  locationId: v.string(),
  organizationId: v.string(),
  fulfillmentServiceId: v.string(),
  ourState: v.picklist(INTEGRATION_STATES),
  /** HappyColis's integration at the location, and its state; null when it has none. */
  theirIntegrationId: v.nullable(v.string()),
  theirState: v.nullable(v.picklist(INTEGRATION_STATES)),
});
export type Finding = v.InferOutput<typeof FindingSchema>;

/** What HappyColis says is at a location; `undefined` when it knows no such location. */
export type ObservedIntegration = { readonly id: string; readonly state: IntegrationState } | null;

const LIVE: ReadonlySet<IntegrationState> = new Set<IntegrationState>(['PENDING', 'ACTIVE']);

/**
 * The findings for every integration of ours at one location, given HappyColis's integration
 * there (`null`: none; `undefined`: no such location). Among ours, the most recently changed
 * one is the one HappyColis's unknown integration replaced.
 */
export const findingsAt = (
  ours: readonly IntegrationSummary[],
  theirs: ObservedIntegration | undefined,
): Finding[] => {
  const current = theirs ?? null;
  const known = current !== null && ours.some((integration) => integration.id === current.id);
  const newest = [...ours].sort((a, b) => (a.lastEventAt < b.lastEventAt ? 1 : -1))[0];
  return ours.map((integration) => {
    let kind: FindingKind;
    if (current && current.id === integration.id) {
      kind = current.state === integration.state ? 'agreement' : 'drift';
    } else if (current && !known && integration.id === newest?.id) {
      kind = 'unknown-integration';
    } else {
      kind = LIVE.has(integration.state) ? 'disconnected' : 'agreement';
    }
    return {
      kind,
      integrationId: integration.id,
      locationId: integration.locationId,
      organizationId: integration.organizationId,
      fulfillmentServiceId: integration.fulfillmentServiceId,
      ourState: integration.state,
      theirIntegrationId: current?.id ?? null,
      theirState: current?.state ?? null,
    };
  });
};

/**
 * What the reconciler last observed of an integration, kept on the integration's item beside
 * (never in place of) the state its events decided.
 */
export const ObservationSchema = v.object({
  /** When HappyColis was last asked. */
  observedAt: v.string(),
  finding: v.picklist(FINDING_KINDS),
  /** HappyColis's integration at the location, and its state (null: none). */
  integrationId: v.nullable(v.string()),
  state: v.nullable(v.picklist(INTEGRATION_STATES)),
  /** Our state when it was observed. */
  ourState: v.picklist(INTEGRATION_STATES),
  /** Since when the two sides disagree (the first sweep that saw it); absent in agreement. */
  disagreeingSince: v.optional(v.string()),
  /** The incident an alert reported for this disagreement, until it converges. */
  alertedIncident: v.optional(v.string()),
});
export type Observation = v.InferOutput<typeof ObservationSchema>;

/** The observation after `finding` at `now`, carrying on the disagreement `previous` saw. */
export const nextObservation = (
  previous: Observation | undefined,
  finding: Finding,
  now: Date,
): Observation => {
  const base = {
    observedAt: now.toISOString(),
    finding: finding.kind,
    integrationId: finding.theirIntegrationId,
    state: finding.theirState,
    ourState: finding.ourState,
  };
  if (finding.kind === 'agreement') return base;
  return {
    ...base,
    disagreeingSince: previous?.disagreeingSince ?? base.observedAt,
    ...(previous?.alertedIncident ? { alertedIncident: previous.alertedIncident } : {}),
  };
};

/** The incident of a disagreement: one per integration and start of the disagreement. */
export const driftIncidentKey = (integrationId: string, since: string): string =>
  `drift|${integrationId}|${since}`;

/** Whether a disagreement has lasted past the grace period and is not reported yet. */
export const driftAlertDue = (observation: Observation, now: Date, graceMs: number): boolean =>
  observation.finding !== 'agreement' &&
  observation.alertedIncident === undefined &&
  observation.disagreeingSince !== undefined &&
  now.getTime() - Date.parse(observation.disagreeingSince) >= graceMs;
