import type { HappyColisWiring } from '../../functions/reconciler/wiring.ts';

/** How often `npm start` asks the reconciler whether a sweep is due (it decides). */
export const LOCAL_RECONCILE_TICK_MS = 60_000;

/** Time one local tick may sweep before it leaves the rest to the next tick. */
const TICK_BUDGET_MS = 50_000;

export interface LocalReconciler {
  /** Stops the ticks and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the reconciler on a tick, as the cloud's schedule does: a sweep starts when the last one
 * began an interval ago, and an unfinished one is resumed. Runs never overlap; a failure is
 * printed and the next tick tries again.
 */
export const startLocalReconciler = (options: {
  readonly happycolis: HappyColisWiring;
  readonly tickMs?: number;
  readonly print: (line: string) => void;
}): LocalReconciler => {
  let running: Promise<void> | undefined;
  const tick = () => {
    const deadline = Date.now() + TICK_BUDGET_MS;
    running ??= options.happycolis
      .reconcile({ trigger: 'schedule' }, () => deadline - Date.now())
      .then(({ status, sweep, unchecked }) => {
        if (status !== 'done' || !sweep) return;
        const { counts } = sweep;
        const disagreements = counts.drift + counts['unknown-integration'] + counts.disconnected;
        options.print(
          `reconcile: ${counts.checked} location(s) checked, ${disagreements} disagreement(s), ${unchecked.length} not checked in the last run`,
        );
      })
      .catch((error: unknown) => {
        options.print(
          `reconcile failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.tickMs ?? LOCAL_RECONCILE_TICK_MS);
  timer.unref();
  tick();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};
