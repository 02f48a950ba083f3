import type { ChatChannel } from '../../definitions/alert-channels.ts';
import type { Channel, ChannelExample } from '../channels/channel.ts';
import { slackChannel, slackExample } from '../channels/slack.ts';
import { createIncomingWebhook, secretIncomingWebhook } from '../channels/slack-webhook.ts';
import { teamsChannel, teamsExample } from '../channels/teams.ts';
import { jsonWebhook, secretJsonWebhook } from '../channels/webhook.ts';

/** How one chat channel is built, and how the docs show its messages. */
export interface ChannelFactory {
  fromUrl(url: string): Channel<unknown>;
  fromSecret(secretId: string, field: string): Channel<unknown>;
  readonly example: ChannelExample;
}

/**
 * How each chat channel is built, from a webhook URL (a laptop, a test stack) or from a field
 * of the stage secret (the cloud), and shown in docs/alerts.md. The notifier handler, the local
 * runtime and the docs read this table;
 * a chat channel missing from it does not compile.
 */
export const CHANNEL_FACTORIES: Readonly<Record<ChatChannel, ChannelFactory>> = {
  slack: {
    fromUrl: (url) => slackChannel(createIncomingWebhook(url)),
    fromSecret: (secretId, field) => slackChannel(secretIncomingWebhook(secretId, field)),
    example: slackExample,
  },
  teams: {
    fromUrl: (url) => teamsChannel(jsonWebhook('Teams', url)),
    fromSecret: (secretId, field) => teamsChannel(secretJsonWebhook('Teams', secretId, field)),
    example: teamsExample,
  },
};
