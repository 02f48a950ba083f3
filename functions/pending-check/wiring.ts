import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../adapters/dynamo-pending-store.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import { DEFAULT_PENDING_TIMEOUT_HOURS } from '../definitions/settings.ts';
import type { TableAndTopic } from '../wiring-options.ts';
import { createPendingCheck } from './pending-check.ts';

/**
 * The stuck-PENDING check assembled from its AWS clients and resolved configuration. The
 * Lambda handler and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wirePendingCheck = (
  options: TableAndTopic & {
    /** @default DEFAULT_PENDING_TIMEOUT_HOURS */
    readonly timeoutHours?: number | undefined;
    readonly clock?: (() => Date) | undefined;
  },
) =>
  createPendingCheck({
    integrations: new DynamoIntegrationStore({
      client: options.document,
      tableName: options.tableName,
    }),
    pending: new DynamoPendingStore({ client: options.document, tableName: options.tableName }),
    alerts: new SnsAlertPublisher({ client: options.sns, topicArn: options.topicArn }),
    clock: options.clock ?? (() => new Date()),
    timeoutHours: options.timeoutHours ?? DEFAULT_PENDING_TIMEOUT_HOURS,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
