import * as v from 'valibot';
import type { GroupTiming } from '../../functions/alerting/alert-groups.ts';
import { AlertGroupEnvSchema, groupTimingOf } from '../../functions/alerting/settings.ts';
import { parseList } from '../../functions/config.ts';
import { ReceiverError } from '../../functions/core/errors.ts';

/**
 * Settings of `npm start`, from the environment. Secrets fall back to documented development
 * values so the runtime starts with no setup; start-up says so out loud.
 */

/** Development-only HappyColis client secret, used when `HAPPYCOLIS_SECRETS` is unset. */
export const DEV_HAPPYCOLIS_SECRET = 'dev-happycolis-secret';
/** Development-only delivery-error bearer token, used when `WEBHOOK_TOKENS` is unset. */
export const DEV_WEBHOOK_TOKEN = 'dev-delivery-token';
export const DEFAULT_PORT = 3000;
export const DEFAULT_DATA_DIR = '.data/';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

const EnvSchema = v.object({
  ...AlertGroupEnvSchema.entries,
  HAPPYCOLIS_SECRETS: v.optional(v.string()),
  WEBHOOK_TOKENS: v.optional(v.string()),
  PORT: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'PORT must be a whole number'),
      v.transform(Number),
      v.maxValue(65_535, 'PORT must be at most 65535'),
    ),
  ),
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty('DATA_DIR is empty'))),
  AWS_ENDPOINT_URL: v.optional(v.pipe(v.string(), v.url('AWS_ENDPOINT_URL must be a URL'))),
  AWS_REGION: v.optional(v.pipe(v.string(), v.nonEmpty('AWS_REGION is empty'))),
  POWERTOOLS_LOG_LEVEL: v.optional(
    v.pipe(
      v.string(),
      v.toUpperCase(),
      v.picklist(LOG_LEVELS, `POWERTOOLS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`),
    ),
  ),
  SLACK_WEBHOOK_URL: v.optional(v.pipe(v.string(), v.url('SLACK_WEBHOOK_URL must be a URL'))),
});

export interface LocalConfig {
  readonly happycolisSecrets: string[];
  readonly webhookTokens: string[];
  readonly port: number;
  readonly dataDir: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly handlerLogLevel: (typeof LOG_LEVELS)[number];
  readonly slackWebhookUrl?: string;
  /** The alert group window and interval (`ALERT_GROUP_WINDOW_SECONDS`, `…_INTERVAL_SECONDS`). */
  readonly groupTiming: GroupTiming;
  /** Things the person starting the runtime must be told. */
  readonly warnings: string[];
}

export class LocalConfigError extends ReceiverError {
  constructor(message: string) {
    super(message);
  }
}

/** Reads the local runtime's settings; an invalid value fails with every problem named. */
export const loadLocalConfig = (env: NodeJS.ProcessEnv): LocalConfig => {
  const parsed = v.safeParse(EnvSchema, env);
  if (!parsed.success) {
    throw new LocalConfigError(parsed.issues.map((issue) => issue.message).join('; '));
  }
  const settings = parsed.output;
  const warnings: string[] = [];

  let happycolisSecrets = parseList(settings.HAPPYCOLIS_SECRETS);
  if (settings.HAPPYCOLIS_SECRETS === undefined) {
    happycolisSecrets = [DEV_HAPPYCOLIS_SECRET];
    warnings.push(
      `HAPPYCOLIS_SECRETS is not set: accepting webhooks signed with the development secret "${DEV_HAPPYCOLIS_SECRET}". Never use it outside your machine.`,
    );
  } else if (happycolisSecrets.length === 0) {
    // Set but blank is a mistake, not a request for the development secret.
    throw new LocalConfigError('HAPPYCOLIS_SECRETS is set but lists no secret');
  }

  let webhookTokens = parseList(settings.WEBHOOK_TOKENS);
  if (settings.WEBHOOK_TOKENS === undefined) {
    webhookTokens = [DEV_WEBHOOK_TOKEN];
    warnings.push(
      `WEBHOOK_TOKENS is not set: accepting delivery-error notices with the development token "${DEV_WEBHOOK_TOKEN}".`,
    );
  } else if (webhookTokens.length === 0) {
    warnings.push('WEBHOOK_TOKENS lists no token: every delivery-error notice will get 401.');
  }

  return {
    happycolisSecrets,
    webhookTokens,
    port: settings.PORT ?? DEFAULT_PORT,
    dataDir: settings.DATA_DIR ?? DEFAULT_DATA_DIR,
    ...(settings.AWS_ENDPOINT_URL ? { endpoint: settings.AWS_ENDPOINT_URL } : {}),
    ...(settings.AWS_REGION ? { region: settings.AWS_REGION } : {}),
    handlerLogLevel: settings.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    ...(settings.SLACK_WEBHOOK_URL ? { slackWebhookUrl: settings.SLACK_WEBHOOK_URL } : {}),
    groupTiming: groupTimingOf(settings),
    warnings,
  };
};
