import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import type { IntegrationStore } from '../core/ports.ts';
import type { TableAndTopic } from '../wiring-options.ts';
import { createProcessorHandler } from './processor.ts';

/**
 * The processor assembled from its AWS clients and resolved configuration. The Lambda handler
 * and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wireProcessor = (
  options: TableAndTopic & {
    /** Wraps the store; tests inject faults the emulators cannot produce. */
    readonly decorateStore?: ((store: IntegrationStore) => IntegrationStore) | undefined;
    /** Shortens the alert lease, so tests can use a short visibility timeout. */
    readonly alertLeaseMs?: number | undefined;
  },
) => {
  const store = new DynamoIntegrationStore({
    client: options.document,
    tableName: options.tableName,
  });
  return createProcessorHandler({
    store: options.decorateStore?.(store) ?? store,
    alerts: new SnsAlertPublisher({ client: options.sns, topicArn: options.topicArn }),
    ...(options.alertLeaseMs === undefined ? {} : { alertLeaseMs: options.alertLeaseMs }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
};
