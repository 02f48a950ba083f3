import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import * as v from 'valibot';
import type { OweResult } from '../alerting/alert-groups.ts';
import { integrationStuckPendingAlert } from '../alerting/domain/content.ts';
import type { Alert } from '../core/alerts.ts';
import { ReceiverError } from '../core/errors.ts';
import type { IntegrationStore, PendingEntry, PendingStore } from '../core/ports.ts';
import { currentOf } from '../core/state.ts';
import { integrationView } from '../core/view.ts';

/** `PENDING_TIMEOUT_HOURS`: a positive number of hours (fractions allowed, e.g. `0.5`). */
export const PendingTimeoutSchema = v.object({
  PENDING_TIMEOUT_HOURS: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.decimal('PENDING_TIMEOUT_HOURS must be a number of hours'),
      v.transform(Number),
      v.gtValue(0, 'PENDING_TIMEOUT_HOURS must be greater than 0'),
    ),
  ),
});

const HOUR_MS = 60 * 60 * 1000;

export interface PendingCheckDeps {
  readonly integrations: Pick<IntegrationStore, 'getIntegration' | 'getIntegrationWithHistory'>;
  readonly pending: Pick<PendingStore, 'listPendingBefore' | 'clearPending'>;
  /** Records the alert in its group, once per incident (see `createAlertGroups`). */
  readonly owe: (alert: Alert) => Promise<OweResult>;
  readonly clock: () => Date;
  readonly timeoutHours: number;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** What one run did, per index entry it looked at. */
export interface PendingCheckSummary {
  readonly examined: number;
  /** Still PENDING and alerted by this run. */
  readonly alerted: number;
  /** Still PENDING, alerted by an earlier run. */
  readonly alreadyAlerted: number;
  /** No longer PENDING: an entry of the former `pending` index, taken out of it. */
  readonly cleared: number;
  readonly failed: number;
}

type EntryOutcome = 'alerted' | 'alreadyAlerted' | 'cleared' | 'skipped';

/** Some entries could not be checked; the others were. The run fails so it is seen and retried. */
export class PendingCheckError extends ReceiverError {}

/**
 * The scheduled stuck-PENDING check. The list of PENDING integrations comes from an index,
 * which may lag (and entries earlier versions wrote stay until cleared here); the state is
 * derived again here with `currentOf`, exactly as everywhere else, before anyone is alerted.
 *
 * Alerts go through the alert ledger like every other kind: the incident (one per `created`
 * event) is recorded once in its group and flushed with it, so an integration stuck for days is
 * reported once per `created`, and a run that crashed halfway is completed by the next one.
 */
export const createPendingCheck = (deps: PendingCheckDeps) => {
  const { integrations, pending, owe, clock, logger, metrics } = deps;
  const thresholdMs = deps.timeoutHours * HOUR_MS;

  const checkEntry = async (entry: PendingEntry, now: Date): Promise<EntryOutcome> => {
    const cutoff = new Date(now.getTime() - thresholdMs).toISOString();
    const integration = await integrations.getIntegration(entry.integrationId);
    if (!integration) return 'skipped';
    const current = currentOf(integration.registers);
    if (current?.register.state !== 'PENDING') {
      const cleared = await pending.clearPending(entry);
      return cleared === 'cleared' ? 'cleared' : 'skipped';
    }
    const createdAt = current.register.date;
    // The index may lag a newer `created`; its own date decides.
    if (createdAt >= cutoff) return 'skipped';

    const { integration: stored, history } = await integrations.getIntegrationWithHistory(
      entry.integrationId,
    );
    const view = integrationView(entry.integrationId, stored, history);
    if (!view) return 'skipped';
    const owed = await owe(
      integrationStuckPendingAlert({ view, createdAt, thresholdHours: deps.timeoutHours, now }),
    );
    return owed === 'recorded' ? 'alerted' : 'alreadyAlerted';
  };

  return async (): Promise<PendingCheckSummary> => {
    const now = clock();
    const cutoff = new Date(now.getTime() - thresholdMs).toISOString();
    const counts = { examined: 0, alerted: 0, alreadyAlerted: 0, cleared: 0, failed: 0 };
    const failures: unknown[] = [];
    for await (const entry of pending.listPendingBefore(cutoff)) {
      counts.examined++;
      try {
        const outcome = await checkEntry(entry, now);
        if (outcome !== 'skipped') counts[outcome]++;
      } catch (error) {
        // One broken entry must not hide the others; the run still fails at the end.
        counts.failed++;
        failures.push(error);
        logger?.error('pending check failed for an integration', {
          integrationId: entry.integrationId,
          error,
        });
      }
    }
    metrics?.addMetric('StuckPendingAlerted', MetricUnit.Count, counts.alerted);
    metrics?.addMetric('StuckPendingCleared', MetricUnit.Count, counts.cleared);
    metrics?.publishStoredMetrics();
    logger?.info('pending check done', { cutoff, ...counts });
    if (failures.length > 0) {
      throw new PendingCheckError(
        `${failures.length} pending integration(s) could not be checked`,
        {
          cause: new AggregateError(failures),
        },
      );
    }
    return counts;
  };
};
