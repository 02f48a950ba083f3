import type { OweResult } from '../alerting/alert-groups.ts';
import { integrationDriftAlert, integrationDriftResolvedAlert } from '../alerting/domain/drift.ts';
import type { Alert } from '../core/alerts.ts';
import type { DriftAlerts } from './reconcile.ts';

/** Drift incidents recorded in their alert group through the ledger, like every other kind. */
export const driftAlerts = (owe: (alert: Alert) => Promise<OweResult>): DriftAlerts => ({
  raise: async (incident) => {
    await owe(integrationDriftAlert(incident));
  },
  resolve: async (incident) => {
    await owe(integrationDriftResolvedAlert(incident));
  },
});
