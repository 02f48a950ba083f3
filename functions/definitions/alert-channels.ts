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
    /** The stage-secret field (and local environment variable) holding the webhook URL. */
    urlField: 'SLACK_WEBHOOK_URL',
    /** The notifier's environment variable naming the stage secret, in the cloud. */
    secretIdVariable: 'SLACK_WEBHOOK_SECRET_ID',
  },
  teams: {
    label: 'Teams',
    urlField: 'TEAMS_WEBHOOK_URL',
    secretIdVariable: 'TEAMS_WEBHOOK_SECRET_ID',
  },
} as const;

export type ChatChannel = keyof typeof CHAT_CHANNELS;
export const CHAT_CHANNEL_NAMES = Object.keys(CHAT_CHANNELS) as ChatChannel[];

/** Where a group message goes out: `email` is the SNS publish, the rest are chat channels. */
export type AlertChannel = 'email' | ChatChannel;
export const ALERT_CHANNELS: readonly AlertChannel[] = ['email', ...CHAT_CHANNEL_NAMES];
