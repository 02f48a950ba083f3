import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createIncomingWebhook } from '../../functions/slack-notifier/incoming-webhook.ts';
import { wireSlackNotifier } from '../../functions/slack-notifier/wiring.ts';
import type { AlertConsumer } from './alerts.ts';

/**
 * The Slack notifier on a laptop: the same handler the cloud runs, fed the same SQS-shaped
 * alert records, claiming messages in the alert ledger of the local table. Only when a webhook URL
 * is given; without one, alerts are printed and nothing else.
 */
export const localSlackConsumers = (options: {
  readonly webhookUrl: string | undefined;
  readonly document: DynamoDBDocumentClient;
  readonly tableName: string;
}): AlertConsumer[] => {
  if (!options.webhookUrl) return [];
  return [
    wireSlackNotifier({
      document: options.document,
      tableName: options.tableName,
      webhook: createIncomingWebhook(options.webhookUrl),
    }),
  ];
};
