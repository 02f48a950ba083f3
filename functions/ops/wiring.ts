import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoFleetQueries } from '../adapters/dynamo-fleet-queries.ts';
import { DynamoReconcileStore } from '../adapters/dynamo-reconcile-store.ts';
import { SqsEventQueue } from '../adapters/sqs-event-queue.ts';
import type { DeadLetterQueue } from '../core/ports.ts';
import type { HappyColisWiring } from '../reconciler/wiring.ts';
import { createOpsHandler } from './ops.ts';

/**
 * The operator routes assembled from their AWS clients. The dead-letter queue comes in
 * ready-made: SQS's own move task in the cloud, a receive/send/delete loop locally (the
 * emulator has no move task). The Lambda handler and the local runtime both call this.
 */
export const wireOps = (options: {
  readonly document: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetters: DeadLetterQueue;
  readonly logger?: Logger | undefined;
  readonly happycolis?: HappyColisWiring | undefined;
  /** How far ahead of now a replayed event may be dated. @default 24 h */
  readonly futureSkewMs?: number | undefined;
}) =>
  createOpsHandler({
    fleet: new DynamoFleetQueries({ client: options.document, tableName: options.tableName }),
    queue: new SqsEventQueue({ client: options.sqs, queueUrl: options.queueUrl }),
    deadLetters: options.deadLetters,
    observations: new DynamoReconcileStore({
      client: options.document,
      tableName: options.tableName,
    }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.happycolis ? { happycolis: options.happycolis } : {}),
    ...(options.futureSkewMs === undefined ? {} : { futureSkewMs: options.futureSkewMs }),
  });
