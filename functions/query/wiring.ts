import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { DynamoReconcileStore } from '../adapters/dynamo-reconcile-store.ts';
import { createQueryHandler } from './query.ts';

/**
 * The query assembled from its AWS client and table. The Lambda handler and the local runtime
 * both call it, so the two assemblies cannot drift.
 */
export const wireQuery = (options: {
  readonly document: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logger?: Logger | undefined;
}) =>
  createQueryHandler({
    store: new DynamoIntegrationStore({ client: options.document, tableName: options.tableName }),
    observations: new DynamoReconcileStore({
      client: options.document,
      tableName: options.tableName,
    }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
