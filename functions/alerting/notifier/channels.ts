import type { ChatChannel } from '../../definitions/alert-channels.ts';
import type { Channel } from '../channels/channel.ts';
import { slackChannel } from '../channels/slack.ts';
import { createIncomingWebhook, secretIncomingWebhook } from '../channels/slack-webhook.ts';

/**
 * How each chat channel is built, from a webhook URL (a laptop, a test stack) or from a field
 * of the stage secret (the cloud). The notifier handler and the local runtime read this table;
 * a chat channel missing from it does not compile.
 */
export const CHANNEL_FACTORIES = {
  slack: {
    fromUrl: (url) => slackChannel(createIncomingWebhook(url)),
    fromSecret: (secretId, field) => slackChannel(secretIncomingWebhook(secretId, field)),
  },
} satisfies Record<
  ChatChannel,
  {
    fromUrl(url: string): Channel<unknown>;
    fromSecret(secretId: string, field: string): Channel<unknown>;
  }
>;
