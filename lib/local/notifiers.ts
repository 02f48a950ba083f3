import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OpsTarget } from '../../functions/alerting/domain/commands.ts';
import { CHANNEL_FACTORIES } from '../../functions/alerting/notifier/channels.ts';
import { wireNotifier } from '../../functions/alerting/notifier/wiring.ts';
import {
  CHAT_CHANNEL_NAMES,
  type ChatChannel,
} from '../../functions/definitions/alert-channels.ts';
import type { AlertConsumer } from './alerts.ts';

/** The incoming-webhook URL of each chat channel to post to. */
export type ChatWebhooks = Partial<Record<ChatChannel, string>>;

/**
 * The chat notifiers on a laptop: the same handler the cloud runs for each channel, fed the
 * same SQS-shaped alert records, claiming messages in the alert ledger of the local table. One
 * per channel given a webhook URL; without any, alerts are printed and nothing else.
 */
export const localNotifiers = (options: {
  readonly webhooks: ChatWebhooks | undefined;
  readonly document: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly ops?: OpsTarget;
}): AlertConsumer[] =>
  CHAT_CHANNEL_NAMES.flatMap((name) => {
    const url = options.webhooks?.[name];
    if (!url) return [];
    return [
      wireNotifier({
        document: options.document,
        tableName: options.tableName,
        channel: CHANNEL_FACTORIES[name].fromUrl(url),
        ops: options.ops,
      }),
    ];
  });
