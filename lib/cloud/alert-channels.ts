import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import type { Settings } from './settings.ts';

/**
 * The guard against a deploy that silently drops an alert channel. A stage records the
 * channels it was deployed with in its `AlertChannels` output; the next deploy compares its own
 * with those (and with its stage file's) and stops, naming what would go, unless it is run with
 * `-c allowChannelRemoval=true`.
 */

/** The stack output recording the stage's alert channels. */
export const ALERT_CHANNELS_OUTPUT = 'AlertChannels';

/** The boolean settings that each switch one alert channel on. */
export const CHANNEL_SWITCHES = CHAT_CHANNEL_NAMES satisfies readonly (keyof Settings)[];

/**
 * The alert channels of a stage's settings: `email:<address>` for the email subscription, and
 * the name of each channel switched on. Sorted, so two lists compare as text.
 */
export const alertChannelsOf = (settings: Settings): string[] =>
  [
    ...(settings.alertEmail ? [`email:${settings.alertEmail.toLowerCase()}`] : []),
    ...CHANNEL_SWITCHES.filter((name) => settings[name] === true),
  ].sort();

/** The output's value (CloudFormation refuses an empty one). */
export const formatAlertChannels = (channels: readonly string[]): string =>
  channels.length === 0 ? 'none' : channels.join(' ');

export const parseAlertChannels = (value: string): string[] =>
  value
    .split(/\s+/)
    .filter((channel) => channel.length > 0 && channel !== 'none')
    .sort();

/** How a channel reads in a message. */
const shown = (channel: string): string =>
  channel.startsWith('email:') ? `email to ${channel.slice('email:'.length)}` : channel;

/** What the deployed stack says about its channels, or why it could not be read. */
export type DeployedChannels =
  | { readonly known: true; readonly channels: readonly string[]; readonly exists: boolean }
  | { readonly known: false; readonly reason: string };

export interface ChannelCheckInput {
  readonly stage: string;
  /** The settings this deploy applies. */
  readonly settings: Settings;
  /** The stage file and the settings it alone gives, when the stage has one. */
  readonly file?: { readonly path: string; readonly settings: Settings };
  readonly deployed: DeployedChannels;
  /** `-c allowChannelRemoval=true`. */
  readonly allowRemoval: boolean;
}

export interface ChannelCheck {
  /** Why the deploy must stop; absent when it may go on. */
  readonly refusal?: string;
  /** What the person deploying should read either way (one line each). */
  readonly notes: readonly string[];
}

/**
 * Compares this deploy's channels with the deployed stack's and with the stage file's. Pure:
 * the deployed channels are looked up by the caller.
 */
export const checkAlertChannels = (input: ChannelCheckInput): ChannelCheck => {
  const { stage, settings, file, deployed, allowRemoval } = input;
  const next = alertChannelsOf(settings);
  const removed = new Map<string, string>();
  if (deployed.known) {
    for (const channel of deployed.channels) {
      if (!next.includes(channel)) removed.set(channel, 'the deployed stack has it');
    }
  }
  if (file) {
    for (const channel of alertChannelsOf(file.settings)) {
      if (!next.includes(channel) && !removed.has(channel)) {
        removed.set(channel, `${file.path} has it, context switches it off`);
      }
    }
  }
  const notes: string[] = [];
  if (!file) {
    notes.push(
      `stage ${stage} has no stages/${stage}.json: this deploy uses context and defaults only, so the next one must repeat every -c value; keep them in stages/${stage}.json instead`,
    );
  }
  if (!deployed.known) {
    notes.push(
      `could not compare the alert channels with the deployed stack (${deployed.reason}); \`npx cdk diff -c stage=${stage}\` shows any subscription this deploy removes`,
    );
  }
  if (removed.size === 0) return { notes };
  const list = [...removed].map(([channel, why]) => `${shown(channel)} (${why})`).join(', ');
  if (allowRemoval) {
    return { notes: [...notes, `removing alert channels of stage ${stage}: ${list}`] };
  }
  return {
    refusal: `this deploy would remove alert channels of stage ${stage}: ${list}. Keep them in ${file?.path ?? `stages/${stage}.json`}, or deploy with -c allowChannelRemoval=true to remove them`,
    notes,
  };
};

export interface DeployedStackRef {
  readonly stackName: string;
  /** The account the CDK CLI resolved credentials for (`CDK_DEFAULT_ACCOUNT`). */
  readonly account: string | undefined;
  readonly region: string | undefined;
}

/**
 * Reads the deployed stack's `AlertChannels` output. Only when the CDK CLI resolved an account
 * (`CDK_DEFAULT_ACCOUNT`), so an offline `cdk synth` makes no AWS call; and only from a stack
 * of that account, so credentials of another account are never compared with.
 */
export const readDeployedChannels = async (ref: DeployedStackRef): Promise<DeployedChannels> => {
  if (!ref.account || !ref.region) {
    return { known: false, reason: 'no AWS account or region resolved for this synthesis' };
  }
  const client = new CloudFormationClient({ region: ref.region, maxAttempts: 2 });
  try {
    const { Stacks = [] } = await client.send(
      new DescribeStacksCommand({ StackName: ref.stackName }),
    );
    const stack = Stacks[0];
    if (!stack) return { known: true, channels: [], exists: false };
    if (stack.StackId && !stack.StackId.includes(`:${ref.account}:`)) {
      return {
        known: false,
        reason: `the credentials the app sees are not those of account ${ref.account}: set AWS_PROFILE rather than --profile`,
      };
    }
    const output = stack.Outputs?.find((one) => one.OutputKey === ALERT_CHANNELS_OUTPUT);
    if (output?.OutputValue === undefined) {
      return {
        known: false,
        reason: `stack ${ref.stackName} has no ${ALERT_CHANNELS_OUTPUT} output`,
      };
    }
    return { known: true, channels: parseAlertChannels(output.OutputValue), exists: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/does not exist/.test(message)) return { known: true, channels: [], exists: false };
    return { known: false, reason: `cannot read stack ${ref.stackName}: ${message}` };
  } finally {
    client.destroy();
  }
};
