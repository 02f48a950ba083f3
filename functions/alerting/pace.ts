import { ReceiverError } from '../core/errors.ts';
import type { PaceGate } from '../core/ports.ts';

/** No sending slot came free in time: the record is retried later. */
export class PaceTimeoutError extends ReceiverError {}

/**
 * A channel's pace as one sender keeps it: sends at least `intervalMs` apart within this
 * container and, with a `gate`, across every container sharing it (a refused claim names when
 * the holder's slot ends; the wait sleeps until then, at least a little so clock skew cannot
 * make it spin, and claims again). Lives as long as the sender that made it.
 */
export const createPacer = (options: {
  readonly gate?: PaceGate | undefined;
  readonly intervalMs: number;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}) => {
  const { gate, intervalMs, clock, sleep } = options;
  /** Earliest time (epoch ms) the next send may go out from this container. */
  let nextAt = 0;
  return {
    /**
     * Waits for the next slot, taking it (with a gate) for `intervalMs`.
     * @throws PaceTimeoutError when no slot comes free before `deadline` (epoch ms).
     */
    async wait(deadline: number): Promise<void> {
      for (;;) {
        const now = clock().getTime();
        if (nextAt > now) {
          if (nextAt > deadline) {
            throw new PaceTimeoutError(
              `no sending slot before ${new Date(deadline).toISOString()}; retrying later`,
            );
          }
          await sleep(nextAt - now);
          continue;
        }
        if (!gate) return;
        const claim = await gate.claim(new Date(now), intervalMs);
        if (claim.granted) return;
        nextAt = Math.max(claim.nextPostAt, clock().getTime() + 10);
      }
    },
    /** A send went out (or was refused): the next one waits at least `intervalMs`. */
    spaced(): void {
      nextAt = Math.max(nextAt, clock().getTime() + intervalMs);
    },
    /** The channel asked to wait (`Retry-After`): nobody sends before `until` (epoch ms). */
    async deferUntil(until: number): Promise<void> {
      nextAt = Math.max(nextAt, until);
      await gate?.deferUntil(new Date(nextAt));
    },
  };
};
