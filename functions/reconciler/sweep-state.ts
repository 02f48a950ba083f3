import * as v from 'valibot';
import type { Observation } from './findings.ts';

/**
 * A sweep's progress, kept in the table between runs so that a run the function's timeout
 * interrupts is resumed where it stopped, and its lease, so two runs never sweep at once.
 */

export const SWEEP_TRIGGERS = ['schedule', 'operator'] as const;

/** Locations that could not be checked, listed up to this many per sweep (all are counted). */
export const MAX_UNCHECKED_LISTED = 50;

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const UncheckedSchema = v.object({
  locationId: v.string(),
  organizationId: v.string(),
  reason: v.string(),
});
export type Unchecked = v.InferOutput<typeof UncheckedSchema>;

export const SweepCountsSchema = v.object({
  /** Locations we know integrations at, when the sweep last listed them. */
  locations: Count,
  /** Locations HappyColis answered for. */
  checked: Count,
  unchecked: Count,
  agreement: Count,
  drift: Count,
  'unknown-integration': Count,
  disconnected: Count,
  /** Drift alerts raised, and resolved notices. */
  alerted: Count,
  resolved: Count,
  /** Requests to HappyColis, and how many it answered 429. */
  requests: Count,
  throttled: Count,
});
export type SweepCounts = v.InferOutput<typeof SweepCountsSchema>;

export const SweepSchema = v.object({
  sweepId: v.string(),
  trigger: v.picklist(SWEEP_TRIGGERS),
  startedAt: v.string(),
  finishedAt: v.optional(v.string()),
  /** The last location handled, in location id order (`''` before the first). */
  after: v.string(),
  /** How many runs (invocations, or operator calls) the sweep took so far. */
  runs: Count,
  counts: SweepCountsSchema,
  /** The first locations that could not be checked, and why. */
  unchecked: v.array(UncheckedSchema),
});
export type Sweep = v.InferOutput<typeof SweepSchema>;

export const emptyCounts = (): SweepCounts => ({
  locations: 0,
  checked: 0,
  unchecked: 0,
  agreement: 0,
  drift: 0,
  'unknown-integration': 0,
  disconnected: 0,
  alerted: 0,
  resolved: 0,
  requests: 0,
  throttled: 0,
});

/** Where the reconciler keeps its sweep and what it observed of each integration. */
export interface ReconcileStore {
  /** The current or last sweep, if any. */
  getSweep(): Promise<Sweep | undefined>;
  /**
   * Takes the sweep's lease until `until`, unless another run holds it past `now`; resolves to
   * the sweep as stored (if any), or `busy`.
   */
  lease(
    owner: string,
    now: Date,
    until: Date,
  ): Promise<{ readonly sweep: Sweep | undefined } | 'busy'>;
  /** Saves progress and extends (or, with `until` in the past, releases) the lease it holds. */
  saveSweep(owner: string, sweep: Sweep, until: Date): Promise<'saved' | 'lease-lost'>;
  /** What was last observed of each of `ids` that has an observation. */
  getObservations(ids: readonly string[]): Promise<ReadonlyMap<string, Observation>>;
  /**
   * Records an observation on the integration's item, beside its event-derived state, which
   * it never touches; `missing` when the integration has no item (nothing is created).
   */
  putObservation(integrationId: string, observation: Observation): Promise<'written' | 'missing'>;
}
