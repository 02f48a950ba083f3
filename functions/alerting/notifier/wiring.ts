import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertLedger } from '../../adapters/dynamo-alert-ledger.ts';
import { DynamoPaceGate } from '../../adapters/dynamo-pace-gate.ts';
import { retention } from '../../definitions/resources.ts';
import type { Channel } from '../channels/channel.ts';
import type { OpsTarget } from '../domain/commands.ts';
import { createNotifier } from './notifier.ts';

/**
 * A chat channel's notifier assembled from its DynamoDB client, table and channel. The Lambda
 * handler and the local runtime both call it, so the two assemblies cannot drift.
 */
export const wireNotifier = <Payload>(options: {
  readonly document: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly channel: Channel<Payload>;
  readonly ops?: OpsTarget | undefined;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}) => {
  const { document: client, tableName, channel } = options;
  return createNotifier({
    channel,
    ledger: new DynamoAlertLedger({ client, tableName, retentionDays: retention.historyDays }),
    // Up to two notifiers of a channel run at once (the queue mapping's maximum concurrency):
    // the channel's pace is shared through the table.
    pace: new DynamoPaceGate({ client, tableName, channel: channel.name }),
    ...(options.ops ? { ops: options.ops } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
};
