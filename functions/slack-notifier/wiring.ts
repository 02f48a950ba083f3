import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertLedger } from '../adapters/dynamo-alert-ledger.ts';
import { DynamoPaceGate } from '../adapters/dynamo-pace-gate.ts';
import { retention } from '../definitions/resources.ts';
import type { SlackWebhook } from './incoming-webhook.ts';
import { createSlackNotifier } from './slack-notifier.ts';

/**
 * The Slack notifier assembled from its DynamoDB client, table and incoming webhook. The
 * Lambda handler and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wireSlackNotifier = (options: {
  readonly document: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly webhook: SlackWebhook;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}) => {
  const { document: client, tableName } = options;
  return createSlackNotifier({
    webhook: options.webhook,
    ledger: new DynamoAlertLedger({ client, tableName, retentionDays: retention.historyDays }),
    // Up to two notifiers run at once (the queue mapping's maximum concurrency): Slack's pace
    // is shared through the table.
    pace: new DynamoPaceGate({ client, tableName, channel: 'slack' }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
};
