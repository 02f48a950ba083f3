import { parseEnv } from '../../functions/config.ts';
import { PendingTimeoutSchema } from '../../functions/pending-check/pending-check.ts';
import { wirePendingCheck } from '../../functions/pending-check/wiring.ts';

/** How often `npm start` runs the stuck-PENDING check (the cloud's schedule is coarser). */
export const LOCAL_PENDING_CHECK_INTERVAL_MS = 60_000;

/**
 * `PENDING_TIMEOUT_HOURS` from the environment, parsed as the cloud handler parses it; absent,
 * the wiring applies the same default as in the cloud.
 */
export const pendingTimeoutHours = (env: NodeJS.ProcessEnv): number | undefined =>
  parseEnv(PendingTimeoutSchema, env, 'local pending check').PENDING_TIMEOUT_HOURS;

export interface LocalPendingCheck {
  /** Runs one check now (also what the interval does). */
  runOnce(): Promise<void>;
  /** Stops the interval and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the pending-check handler on an interval, as the cloud's schedule invokes it. Runs
 * never overlap; a failed run is printed and the next one tries again, like a failed
 * scheduled invocation.
 */
export const startLocalPendingCheck = (
  options: Parameters<typeof wirePendingCheck>[0] & {
    readonly intervalMs: number;
    readonly print: (line: string) => void;
  },
): LocalPendingCheck => {
  const check = wirePendingCheck(options);
  let running: Promise<void> | undefined;
  const runOnce = (): Promise<void> => {
    running ??= check()
      .then((summary) => {
        if (summary.alerted > 0) options.print(`pending check: ${summary.alerted} alerted`);
      })
      .catch((error: unknown) => {
        options.print(
          `pending check failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  // A restart should not wait a full interval to report what got stuck while it was down.
  void runOnce();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};
