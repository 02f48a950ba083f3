/**
 * What a reconcile sweep costs, from the constants that shape it: one `location(id)` request
 * per location at our own pace, one token per organization per hour, runs no longer than the
 * function's timeout. `docs/happycolis.md` shows this table; a test checks it is current.
 */

/** Lambda's longest run, and the reserve a run keeps for its last chunk and save. */
export const RECONCILER_TIMEOUT_SECONDS = 900;
export const RUN_RESERVE_SECONDS = 15;
/** The reconciler's memory (MB): mostly waiting on HappyColis. */
export const RECONCILER_MEMORY_MB = 256;
/** Lambda arm64 price per GB-second (us-east-1, 2026). */
export const LAMBDA_ARM_USD_PER_GB_SECOND = 0.000_013_333_4;

export interface SweepCost {
  readonly locations: number;
  /** Requests to HappyColis: one per location, plus one token per organization. */
  readonly requests: number;
  /** Time at our pace (seconds). */
  readonly seconds: number;
  /** Function runs the sweep takes (each up to the timeout). */
  readonly runs: number;
  readonly gbSeconds: number;
  readonly usd: number;
}

export const sweepCost = (locations: number, rate: number, organizations = 1): SweepCost => {
  const seconds = Math.ceil(locations / rate);
  const perRun = RECONCILER_TIMEOUT_SECONDS - RUN_RESERVE_SECONDS;
  const gbSeconds = (seconds * RECONCILER_MEMORY_MB) / 1024;
  return {
    locations,
    requests: locations + organizations,
    seconds,
    runs: Math.max(1, Math.ceil(seconds / perRun)),
    gbSeconds,
    usd: gbSeconds * LAMBDA_ARM_USD_PER_GB_SECOND,
  };
};

const duration = (seconds: number): string =>
  seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;

/** The Markdown table of `docs/happycolis.md`. */
export const sweepCostTable = (rate: number, sizes: readonly number[] = [100, 1_000, 10_000]) =>
  [
    `| locations | requests to HappyColis | time at ${rate} requests/s | function runs | Lambda GB-s (${RECONCILER_MEMORY_MB} MB) | Lambda cost |`,
    '|---:|---:|---:|---:|---:|---:|',
    ...sizes.map((size) => {
      const cost = sweepCost(size, rate);
      return `| ${size.toLocaleString('en-US')} | ${cost.requests.toLocaleString('en-US')} | ${duration(cost.seconds)} | ${cost.runs} | ${cost.gbSeconds.toLocaleString('en-US', { maximumFractionDigits: 0 })} | $${cost.usd.toFixed(4)} |`;
    }),
  ].join('\n');
