import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../adapters/dynamo-pending-store.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import { DEFAULT_PENDING_TIMEOUT_HOURS } from '../definitions/settings.ts';
import { createPendingCheck } from './pending-check.ts';

/**
 * The stuck-PENDING check assembled from its AWS clients and resolved configuration. The
 * Lambda handler and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wirePendingCheck = (options: {
  readonly document: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly tableName: string;
  readonly topicArn: string;
  /** @default DEFAULT_PENDING_TIMEOUT_HOURS */
  readonly timeoutHours?: number | undefined;
  readonly clock?: (() => Date) | undefined;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}) =>
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
