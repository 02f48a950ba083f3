import { ReceiverError } from '../core/errors.ts';
import type { PaceGate } from '../core/ports.ts';

/** No sending slot came free in time: the record is retried later. */
export class PaceTimeoutError extends ReceiverError {}

/**
 * Waits for the next sending slot of a channel shared through `gate`, holding it for
 * `intervalMs`. A refused claim names when the holder's slot ends; the wait sleeps until then
 * (at least a little, so clock skew cannot make it spin) and claims again, up to `maxWaitMs`.
 */
export const waitForSlot = async (
  gate: PaceGate,
  options: {
    readonly intervalMs: number;
    readonly maxWaitMs: number;
    readonly clock: () => Date;
    readonly sleep: (ms: number) => Promise<void>;
  },
): Promise<void> => {
  const { clock, sleep } = options;
  const deadline = clock().getTime() + options.maxWaitMs;
  for (;;) {
    const claim = await gate.claim(clock(), options.intervalMs);
    if (claim.granted) return;
    const now = clock().getTime();
    const wake = Math.max(claim.nextPostAt, now + 10);
    if (wake > deadline) {
      throw new PaceTimeoutError(`no sending slot within ${options.maxWaitMs} ms; retrying later`);
    }
    await sleep(wake - now);
  }
};
