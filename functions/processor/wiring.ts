import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoAlertLedger } from '../adapters/dynamo-alert-ledger.ts';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { DynamoPaceGate } from '../adapters/dynamo-pace-gate.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import { SqsEventQueue } from '../adapters/sqs-event-queue.ts';
import type { GroupTiming } from '../alerting/alert-groups.ts';
import type { OpsTarget } from '../alerting/domain/commands.ts';
import { DEFAULT_GROUP_TIMING } from '../alerting/settings.ts';
import type { IntegrationStore } from '../core/ports.ts';
import { retention } from '../definitions/resources.ts';
import type { TableAndTopic } from '../wiring-options.ts';
import { createProcessorHandler } from './processor.ts';

/**
 * The processor assembled from its AWS clients and resolved configuration. The Lambda handler
 * and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wireProcessor = (
  options: TableAndTopic & {
    readonly sqs: SQSClient;
    /** The event queue, where the processor sends itself delayed alert-group flushes. */
    readonly queueUrl: string;
    /** @default the group window and interval defaults (30 s, 5 min) */
    readonly groupTiming?: GroupTiming | undefined;
    /** Where the commands in alerts point. @default a local runtime at the CLI's default */
    readonly opsTarget?: OpsTarget | undefined;
    /** Wraps the store; tests inject faults the emulators cannot produce. */
    readonly decorateStore?: ((store: IntegrationStore) => IntegrationStore) | undefined;
    /** Shortens the alert leases, so tests can use a short visibility timeout. */
    readonly alertLeaseMs?: number | undefined;
  },
) => {
  const { document: client, tableName } = options;
  const store = new DynamoIntegrationStore({ client, tableName });
  return createProcessorHandler({
    store: options.decorateStore?.(store) ?? store,
    alerting: {
      ledger: new DynamoAlertLedger({ client, tableName, retentionDays: retention.historyDays }),
      queue: new SqsEventQueue({ client: options.sqs, queueUrl: options.queueUrl }),
      publisher: new SnsAlertPublisher({ client: options.sns, topicArn: options.topicArn }),
      emailPace: new DynamoPaceGate({ client, tableName, channel: 'email' }),
      timing: options.groupTiming ?? DEFAULT_GROUP_TIMING,
      ...(options.opsTarget ? { ops: options.opsTarget } : {}),
      ...(options.alertLeaseMs === undefined ? {} : { leaseMs: options.alertLeaseMs }),
    },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
};
