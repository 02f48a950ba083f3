import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertLedger } from '../adapters/dynamo-alert-ledger.ts';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../adapters/dynamo-pending-store.ts';
import { SqsEventQueue } from '../adapters/sqs-event-queue.ts';
import { createAlertGroups, type GroupTiming } from '../alerting/alert-groups.ts';
import { DEFAULT_GROUP_TIMING } from '../alerting/settings.ts';
import { retention } from '../definitions/resources.ts';
import { DEFAULT_PENDING_TIMEOUT_HOURS } from '../definitions/settings.ts';
import type { Observability } from '../wiring-options.ts';
import { createPendingCheck } from './pending-check.ts';

/**
 * The stuck-PENDING check assembled from its AWS clients and resolved configuration. The
 * Lambda handler and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wirePendingCheck = (
  options: Observability & {
    readonly document: DynamoDBDocumentClient;
    readonly tableName: string;
    readonly sqs: SQSClient;
    /** The event queue: the processor flushes the alert groups the check records into. */
    readonly queueUrl: string;
    /** @default the group window and interval defaults (30 s, 5 min) */
    readonly groupTiming?: GroupTiming | undefined;
    /** @default DEFAULT_PENDING_TIMEOUT_HOURS */
    readonly timeoutHours?: number | undefined;
    readonly clock?: (() => Date) | undefined;
  },
) => {
  const { document: client, tableName } = options;
  const clock = options.clock ?? (() => new Date());
  const groups = createAlertGroups({
    ledger: new DynamoAlertLedger({ client, tableName, retentionDays: retention.historyDays }),
    queue: new SqsEventQueue({ client: options.sqs, queueUrl: options.queueUrl }),
    clock,
    timing: options.groupTiming ?? DEFAULT_GROUP_TIMING,
  });
  return createPendingCheck({
    integrations: new DynamoIntegrationStore({ client, tableName }),
    pending: new DynamoPendingStore({ client, tableName }),
    owe: groups.owe,
    clock,
    timeoutHours: options.timeoutHours ?? DEFAULT_PENDING_TIMEOUT_HOURS,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
};
