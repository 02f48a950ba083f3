import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import type { IntegrationStore } from '../core/ports.ts';
import { createProcessorHandler } from './processor.ts';

/**
 * The processor assembled from its AWS clients and resolved configuration. The Lambda handler
 * and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wireProcessor = (options: {
  readonly document: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly tableName: string;
  readonly topicArn: string;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
  /** Wraps the store; tests inject faults the emulators cannot produce. */
  readonly decorateStore?: ((store: IntegrationStore) => IntegrationStore) | undefined;
  /** Shortens the alert lease, so tests can use a short visibility timeout. */
  readonly alertLeaseMs?: number | undefined;
}) => {
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
