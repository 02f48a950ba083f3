import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertLedger } from '../adapters/dynamo-alert-ledger.ts';
import { DynamoFleetQueries } from '../adapters/dynamo-fleet-queries.ts';
import {
  DynamoReconcileStore,
  DynamoSubscriptionStore,
} from '../adapters/dynamo-reconcile-store.ts';
import { SqsEventQueue } from '../adapters/sqs-event-queue.ts';
import { createAlertGroups, type GroupTiming } from '../alerting/alert-groups.ts';
import { DEFAULT_GROUP_TIMING } from '../alerting/settings.ts';
import { retention } from '../definitions/resources.ts';
import { HappyColisApi } from '../happycolis/client.ts';
import type { HappyColisSettings, ReconcileTiming } from '../happycolis/settings.ts';
import { createSubscriptions } from '../happycolis/subscriptions.ts';
import type { Observability } from '../wiring-options.ts';
import { driftAlerts } from './drift-alerts.ts';
import { createReconciler, type RunReport, type RunRequest } from './reconcile.ts';

/**
 * Everything that talks to HappyColis, assembled from its AWS clients and settings: the
 * reconciler and the webhook subscriptions. The settings are loaded on first use (the stage
 * secret is read then, by the functions allowed to), and the client, with its token cache and
 * pace, lives as long as the container.
 */
export interface HappyColisWiring {
  /** Runs (part of) a sweep within `remainingMs`. */
  reconcile(request: RunRequest, remainingMs: () => number): Promise<RunReport>;
  /** The subscriptions use case, or `undefined` without credentials. */
  subscriptions(): Promise<ReturnType<typeof createSubscriptions> | undefined>;
  readonly subscriptionStore: DynamoSubscriptionStore;
  readonly reconcileStore: DynamoReconcileStore;
  /** The organizations configured (`HAPPYCOLIS_ORGANIZATION_IDS`). */
  organizationIds(): Promise<readonly string[]>;
}

export const wireHappyColis = (
  options: Observability & {
    readonly document: DynamoDBDocumentClient;
    readonly tableName: string;
    readonly sqs: SQSClient;
    /** The event queue: the processor flushes the alert groups recorded here. */
    readonly queueUrl: string;
    readonly loadSettings: () => Promise<HappyColisSettings>;
    readonly timing: ReconcileTiming;
    readonly groupTiming?: GroupTiming | undefined;
    readonly clock?: (() => Date) | undefined;
    readonly fetchImpl?: typeof fetch | undefined;
  },
): HappyColisWiring => {
  const { document: client, tableName } = options;
  const clock = options.clock ?? (() => new Date());
  const reconcileStore = new DynamoReconcileStore({ client, tableName });
  const subscriptionStore = new DynamoSubscriptionStore({ client, tableName });
  const groups = createAlertGroups({
    ledger: new DynamoAlertLedger({ client, tableName, retentionDays: retention.historyDays }),
    queue: new SqsEventQueue({ client: options.sqs, queueUrl: options.queueUrl }),
    clock,
    timing: options.groupTiming ?? DEFAULT_GROUP_TIMING,
  });
  let loaded: Promise<{ settings: HappyColisSettings; api: HappyColisApi | undefined }> | undefined;
  const load = () => {
    loaded ??= options.loadSettings().then((settings) => ({
      settings,
      api: settings.credentials
        ? new HappyColisApi({
            apiUrl: settings.apiUrl,
            credentials: settings.credentials,
            rate: settings.rate,
            ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
          })
        : undefined,
    }));
    // A failed load (the secret unreadable) is tried again on the next call.
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };

  return {
    reconcile: async (request, remainingMs) => {
      const { settings, api } = await load();
      return createReconciler({
        fleet: new DynamoFleetQueries({ client, tableName }),
        store: reconcileStore,
        api,
        alerts: driftAlerts(groups.owe),
        organizationIds: settings.organizationIds,
        intervalMinutes: options.timing.intervalMinutes,
        graceMinutes: options.timing.graceMinutes,
        rate: settings.rate,
        clock,
        logger: options.logger,
        metrics: options.metrics,
      })(request, remainingMs);
    },
    subscriptions: async () => {
      const { api } = await load();
      if (!api) return undefined;
      return createSubscriptions({
        api,
        store: subscriptionStore,
        clock,
        onError: (error) => options.logger?.warn('HappyColis subscription call failed', { error }),
      });
    },
    subscriptionStore,
    reconcileStore,
    organizationIds: async () => (await load()).settings.organizationIds,
  };
};
