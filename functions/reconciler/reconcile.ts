import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DriftIncident } from '../alerting/domain/drift.ts';
import type { IntegrationSummary } from '../core/fleet.ts';
import type { FleetQueries } from '../core/ports.ts';
import { HappyColisError, type ObservedLocation } from '../happycolis/client.ts';
import {
  driftAlertDue,
  driftIncidentKey,
  type Finding,
  findingsAt,
  nextObservation,
  type Observation,
} from './findings.ts';
import {
  emptyCounts,
  MAX_UNCHECKED_LISTED,
  type ReconcileStore,
  type Sweep,
  type Unchecked,
} from './sweep-state.ts';

/**
 * The reconciler: for each location we know an integration at, asks HappyColis what is there
 * and compares (see `findingsAt`). It records what it observed on each integration, never its
 * state; a disagreement that outlasts the grace period is reported once, and its convergence
 * too. A sweep is cut into runs that fit the caller's time (a Lambda invocation, an operator
 * call): each run resumes after the last location the previous one finished.
 */

/** What the reconciler needs of HappyColis. */
export interface LocationReader {
  location(organizationId: string, locationId: string): Promise<ObservedLocation | undefined>;
  readonly stats: { readonly requests: number; readonly throttled: number };
}

export type { DriftIncident } from '../alerting/domain/drift.ts';

export interface DriftAlerts {
  raise(incident: DriftIncident): Promise<void>;
  resolve(incident: DriftIncident): Promise<void>;
}

export interface ReconcilerDeps {
  readonly fleet: Pick<FleetQueries, 'listIntegrations'>;
  readonly store: ReconcileStore;
  /** Absent when no credentials are configured: nothing calls HappyColis. */
  readonly api: LocationReader | undefined;
  readonly alerts: DriftAlerts;
  /** Organizations we may ask about; empty: every one we know integrations of. */
  readonly organizationIds: readonly string[];
  readonly intervalMinutes: number;
  readonly graceMinutes: number;
  /** Requests per second the client keeps to: sizes the chunks and the time reserve. */
  readonly rate: number;
  readonly clock: () => Date;
  /** Locations checked between two saves of the sweep. @default 10 */
  readonly chunkSize?: number;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}

export type RunRequest =
  | { readonly trigger: 'schedule' }
  | { readonly trigger: 'operator'; readonly continueSweep?: string };

export interface RunReport {
  /**
   * `done`: the sweep finished in this run; `running`: it goes on in the next run;
   * `busy`: another run holds the sweep; `not-due`: the last sweep is recent enough;
   * `superseded`: the sweep to continue is no longer the current one;
   * `not-configured`: no credentials.
   */
  readonly status: 'done' | 'running' | 'busy' | 'not-due' | 'superseded' | 'not-configured';
  readonly sweep?: Sweep;
  /** Every finding of this run, and the locations it could not check. */
  readonly findings: readonly Finding[];
  readonly unchecked: readonly Unchecked[];
}

const DEFAULT_CHUNK_SIZE = 10;

/** Why a location of an organization outside `HAPPYCOLIS_ORGANIZATION_IDS` is not checked. */
export const NOT_CONFIGURED_ORGANIZATION = 'organization not in HAPPYCOLIS_ORGANIZATION_IDS';
const WORKERS = 4;
const LEASE_EXTRA_MS = 30_000;
const PAGE = { limit: 200 } as const;

/** Every integration we know, by location, in location id order. */
const integrationsByLocation = async (
  fleet: Pick<FleetQueries, 'listIntegrations'>,
): Promise<[string, IntegrationSummary[]][]> => {
  const byLocation = new Map<string, IntegrationSummary[]>();
  let after: string | undefined;
  do {
    const page = await fleet.listIntegrations({}, { ...PAGE, ...(after ? { after } : {}) });
    for (const item of page.items) {
      const list = byLocation.get(item.locationId) ?? [];
      list.push(item);
      byLocation.set(item.locationId, list);
    }
    after = page.next;
  } while (after !== undefined);
  return [...byLocation.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

export const createReconciler = (deps: ReconcilerDeps) => {
  const { store, alerts, clock, logger } = deps;
  const graceMs = deps.graceMinutes * 60_000;
  const chunkSize = deps.chunkSize ?? DEFAULT_CHUNK_SIZE;

  const newSweep = (trigger: Sweep['trigger'], now: Date): Sweep => ({
    sweepId: randomUUID(),
    trigger,
    startedAt: now.toISOString(),
    after: '',
    runs: 0,
    counts: emptyCounts(),
    unchecked: [],
  });

  /** The sweep this run works on, or why it works on none. */
  const pick = (request: RunRequest, current: Sweep | undefined, now: Date) => {
    if (request.trigger === 'operator') {
      if (request.continueSweep === undefined) return newSweep('operator', now);
      return current?.sweepId === request.continueSweep && !current.finishedAt
        ? current
        : ('superseded' as const);
    }
    if (current && !current.finishedAt) return current;
    const due =
      !current || now.getTime() - Date.parse(current.startedAt) >= deps.intervalMinutes * 60_000;
    return due ? newSweep('schedule', now) : ('not-due' as const);
  };

  /** Checks one location: its findings, or why it could not be checked. */
  const checkLocation = async (
    api: LocationReader,
    locationId: string,
    ours: readonly IntegrationSummary[],
    refused: Map<string, string>,
  ): Promise<{ findings: Finding[] } | { unchecked: Unchecked }> => {
    const organizationId = ours[0]?.organizationId ?? '';
    const skip = (reason: string) => ({ unchecked: { locationId, organizationId, reason } });
    if (deps.organizationIds.length > 0 && !deps.organizationIds.includes(organizationId)) {
      return skip(NOT_CONFIGURED_ORGANIZATION);
    }
    const known = refused.get(organizationId);
    if (known) return skip(known);
    try {
      const observed = await api.location(organizationId, locationId);
      return {
        findings: findingsAt(ours, observed === undefined ? undefined : observed.integration),
      };
    } catch (error) {
      if (!(error instanceof HappyColisError)) {
        logger?.error('reconcile: location check failed', { locationId, error });
        return skip('unexpected error (see the reconciler log)');
      }
      // Refused credentials or scope refuse every location of the organization alike.
      if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') {
        refused.set(organizationId, error.message);
      }
      return skip(error.message);
    }
  };

  /** Records an observation and reports or resolves what it means. */
  const record = async (
    finding: Finding,
    previous: Observation | undefined,
    now: Date,
    counts: Sweep['counts'],
  ) => {
    let observation = nextObservation(previous, finding, now);
    if (driftAlertDue(observation, now, graceMs) && observation.disagreeingSince) {
      const incidentKey = driftIncidentKey(finding.integrationId, observation.disagreeingSince);
      await alerts.raise({
        finding,
        incidentKey,
        since: observation.disagreeingSince,
        observedAt: observation.observedAt,
      });
      observation = { ...observation, alertedIncident: incidentKey };
      counts.alerted++;
    }
    if (finding.kind === 'agreement' && previous?.alertedIncident) {
      await alerts.resolve({
        finding,
        incidentKey: previous.alertedIncident,
        since: previous.disagreeingSince ?? previous.observedAt,
        observedAt: observation.observedAt,
      });
      counts.resolved++;
    }
    await store.putObservation(finding.integrationId, observation);
  };

  return async (
    request: RunRequest,
    /** Milliseconds this run may still take. */
    remainingMs: () => number,
  ): Promise<RunReport> => {
    const api = deps.api;
    if (!api) return { status: 'not-configured', findings: [], unchecked: [] };
    const owner = randomUUID();
    const started = clock();
    const leaseFor = () => new Date(clock().getTime() + remainingMs() + LEASE_EXTRA_MS);
    const leased = await store.lease(owner, started, leaseFor());
    if (leased === 'busy') {
      const sweep = await store.getSweep();
      return { status: 'busy', ...(sweep ? { sweep } : {}), findings: [], unchecked: [] };
    }
    const picked = pick(request, leased.sweep, started);
    if (typeof picked === 'string') {
      if (leased.sweep) await store.saveSweep(owner, leased.sweep, new Date(0));
      return {
        status: picked,
        ...(leased.sweep ? { sweep: leased.sweep } : {}),
        findings: [],
        unchecked: [],
      };
    }
    const sweep: Sweep = { ...picked, runs: picked.runs + 1, counts: { ...picked.counts } };
    const counts = sweep.counts;
    const findings: Finding[] = [];
    const unchecked: Unchecked[] = [];
    const refused = new Map<string, string>();
    const before = { requests: api.stats.requests, throttled: api.stats.throttled };
    // What one chunk may take at our pace, plus a request's timeout and the final save.
    const reserveMs = (chunkSize * 1000) / deps.rate + 15_000;

    const locations = (await integrationsByLocation(deps.fleet)).filter(
      ([locationId]) => locationId > sweep.after,
    );
    counts.locations = Math.max(
      counts.locations,
      counts.checked + counts.unchecked + locations.length,
    );
    let next = 0;
    while (next < locations.length && remainingMs() > reserveMs) {
      const chunk = locations.slice(next, next + chunkSize);
      const now = clock();
      const ids = chunk.flatMap(([, ours]) => ours.map((integration) => integration.id));
      const previous = await store.getObservations(ids);
      let index = 0;
      const worker = async () => {
        while (index < chunk.length) {
          const entry = chunk[index++];
          if (!entry) return;
          const [locationId, ours] = entry;
          const result = await checkLocation(api, locationId, ours, refused);
          if ('unchecked' in result) {
            counts.unchecked++;
            unchecked.push(result.unchecked);
            if (sweep.unchecked.length < MAX_UNCHECKED_LISTED)
              sweep.unchecked.push(result.unchecked);
            continue;
          }
          counts.checked++;
          for (const finding of result.findings) {
            counts[finding.kind]++;
            findings.push(finding);
            try {
              await record(finding, previous.get(finding.integrationId), now, counts);
            } catch (error) {
              // One integration's record failing must not stop the sweep; it is said and logged.
              logger?.error('reconcile: recording an observation failed', {
                integrationId: finding.integrationId,
                error,
              });
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(WORKERS, chunk.length) }, worker));
      next += chunk.length;
      sweep.after = chunk.at(-1)?.[0] ?? sweep.after;
      counts.requests = picked.counts.requests + api.stats.requests - before.requests;
      counts.throttled = picked.counts.throttled + api.stats.throttled - before.throttled;
      const done = next >= locations.length;
      const saved = await store.saveSweep(
        owner,
        done ? { ...sweep, finishedAt: clock().toISOString() } : sweep,
        done ? new Date(0) : leaseFor(),
      );
      if (saved === 'lease-lost') {
        logger?.warn('reconcile: another run took the sweep over', { sweepId: sweep.sweepId });
        return { status: 'busy', sweep, findings, unchecked };
      }
    }
    const done = next >= locations.length;
    const final: Sweep = done
      ? { ...sweep, finishedAt: sweep.finishedAt ?? clock().toISOString() }
      : sweep;
    if (locations.length === 0 || !done) {
      await store.saveSweep(owner, final, new Date(0));
    }
    deps.metrics?.addMetric('ReconcileChecked', MetricUnit.Count, findings.length);
    deps.metrics?.addMetric(
      'ReconcileDisagreements',
      MetricUnit.Count,
      findings.filter((finding) => finding.kind !== 'agreement').length,
    );
    deps.metrics?.addMetric('ReconcileUnchecked', MetricUnit.Count, unchecked.length);
    deps.metrics?.publishStoredMetrics();
    logger?.info('reconcile run', { sweepId: sweep.sweepId, done, ...counts });
    return { status: done ? 'done' : 'running', sweep: final, findings, unchecked };
  };
};

export type Reconciler = ReturnType<typeof createReconciler>;
