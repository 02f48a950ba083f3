/** Small statistics over latency samples; nearest-rank percentiles, as load tools report them. */

/** The `p`-th percentile (0–100) of `samples` by the nearest-rank method. */
export const percentile = (samples: ArrayLike<number>, p: number): number => {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
};

export const median = (samples: ArrayLike<number>): number => percentile(samples, 50);

/** Rounds for display and JSON; benchmark figures carry no more precision than this. */
export const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** `a / b`, rounded; a ratio against a zero baseline is reported as not measurable. */
export const ratio = (a: number, b: number): number => {
  if (!(b > 0)) throw new RangeError(`ratio against a baseline of ${b}`);
  return round(a / b);
};
