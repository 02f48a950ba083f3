import { STAGE_SECRET_FIELDS } from './stage-secret.ts';

/**
 * The chat channels alerts can go to besides email, each posted to by its own notifier from
 * its own queue on the alerts topic. One entry per channel: the stack (a context flag of the
 * channel's name, e.g. `-c slack=true`), the stage secret (the URL in field `urlField`), the
 * local runtime (the same name as an environment variable) and the notifier all read it.
 */
export const CHAT_CHANNELS = {
  slack: {
    /** How people, logs, metric names (`SlackPosted`) and construct ids call it: one word. */
    label: 'Slack',
    /**
     * The stage-secret field (and local environment variable) holding the webhook URL; the
     * field's `secretIdVariable` names the secret to the notifier in the cloud.
     */
    urlField: 'SLACK_WEBHOOK_URL',
    /** The channel's incoming webhook, for the docs. */
    webhook: 'Slack incoming webhook',
  },
  teams: {
    label: 'Teams',
    urlField: 'TEAMS_WEBHOOK_URL',
    webhook: 'Microsoft Teams Workflows webhook',
  },
} as const satisfies Readonly<
  Record<
    string,
    {
      readonly label: string;
      readonly urlField: keyof typeof STAGE_SECRET_FIELDS;
      readonly webhook: string;
    }
  >
>;

export type ChatChannel = keyof typeof CHAT_CHANNELS;

/** The stage-secret field (and local variable) of each chat channel's webhook URL. */
export type ChatUrlField = (typeof CHAT_CHANNELS)[ChatChannel]['urlField'];

/** The variable naming the stage secret to `channel`'s notifier in the cloud. */
export const secretIdVariableOf = (channel: ChatChannel): string =>
  STAGE_SECRET_FIELDS[CHAT_CHANNELS[channel].urlField].secretIdVariable;
export const CHAT_CHANNEL_NAMES = Object.keys(CHAT_CHANNELS) as ChatChannel[];

/** Where a group message goes out: `email` is the SNS publish, the rest are chat channels. */
export type AlertChannel = 'email' | ChatChannel;
export const ALERT_CHANNELS: readonly AlertChannel[] = ['email', ...CHAT_CHANNEL_NAMES];
