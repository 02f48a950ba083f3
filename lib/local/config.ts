import * as v from 'valibot';
import type { GroupTiming } from '../../functions/alerting/alert-groups.ts';
import { AlertGroupEnvSchema, groupTimingOf } from '../../functions/alerting/settings.ts';
import { parseList } from '../../functions/config.ts';
import { ReceiverError } from '../../functions/core/errors.ts';
import {
  CHAT_CHANNEL_NAMES,
  CHAT_CHANNELS,
  type ChatUrlField,
} from '../../functions/definitions/alert-channels.ts';
import {
  DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
  DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
  DEFAULT_PENDING_TIMEOUT_HOURS,
} from '../../functions/definitions/settings.ts';
import {
  DEFAULT_HAPPYCOLIS_API_RATE,
  DEFAULT_HAPPYCOLIS_API_URL,
  DEFAULT_RECONCILE_GRACE_MINUTES,
  DEFAULT_RECONCILE_INTERVAL_MINUTES,
  type HAPPYCOLIS_CREDENTIAL_FIELDS,
  type HappyColisEnvSchema,
} from '../../functions/happycolis/settings.ts';
import type { ChatWebhooks } from './notifiers.ts';
import { LOCAL_PENDING_CHECK_INTERVAL_MS } from './pending-check.ts';

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
const DEFAULT_HANDLER_LOG_LEVEL = 'WARN';

const webhookUrl = (field: string) =>
  v.optional(v.pipe(v.string(), v.url(`${field} must be a URL`)));

/** Each chat channel's webhook URL variable, e.g. `SLACK_WEBHOOK_URL`. */
const chatUrlEntries = Object.fromEntries(
  CHAT_CHANNEL_NAMES.map((name) => [
    CHAT_CHANNELS[name].urlField,
    webhookUrl(CHAT_CHANNELS[name].urlField),
  ]),
) as { readonly [K in ChatUrlField]: ReturnType<typeof webhookUrl> };

/** The variables `npm start` reads (and `PENDING_TIMEOUT_HOURS`, read by its pending check). */
export const LocalEnvSchema = v.object({
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
  ...chatUrlEntries,
});

export interface LocalConfig {
  readonly happycolisSecrets: string[];
  readonly webhookTokens: string[];
  readonly port: number;
  readonly dataDir: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly handlerLogLevel: (typeof LOG_LEVELS)[number];
  /** The chat channels alerts are posted to, by their webhook URL (`SLACK_WEBHOOK_URL`, …). */
  readonly chatWebhooks: ChatWebhooks;
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
  const parsed = v.safeParse(LocalEnvSchema, env);
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
    handlerLogLevel: settings.POWERTOOLS_LOG_LEVEL ?? DEFAULT_HANDLER_LOG_LEVEL,
    chatWebhooks: Object.fromEntries(
      CHAT_CHANNEL_NAMES.flatMap((name) => {
        const url = (settings as Record<string, unknown>)[CHAT_CHANNELS[name].urlField];
        return typeof url === 'string' ? [[name, url]] : [];
      }),
    ),
    groupTiming: groupTimingOf(settings),
    warnings,
  };
};

/** Every variable the local runtime reads: its own, the stuck-PENDING check's, HappyColis's. */
export type LocalSettingName =
  | keyof typeof LocalEnvSchema.entries
  | 'PENDING_TIMEOUT_HOURS'
  | keyof typeof HappyColisEnvSchema.entries
  | (typeof HAPPYCOLIS_CREDENTIAL_FIELDS)[number];

/**
 * One entry per variable, rendered into docs/settings.md; a variable without an entry does not
 * compile, and test/docs/settings-tables.test.ts checks the page.
 */
/** Each chat channel's webhook URL variable, as docs/settings.md shows it. */
const chatUrlDocs = Object.fromEntries(
  CHAT_CHANNEL_NAMES.map((name) => {
    const { urlField, webhook } = CHAT_CHANNELS[name];
    const meaning = `Also post every alert to this ${webhook}, through the same notifier as the cloud.`;
    return [urlField, { default: 'none', meaning }];
  }),
) as { readonly [K in ChatUrlField]: { readonly default: string; readonly meaning: string } };

export const LOCAL_SETTING_DOCS: {
  readonly [K in LocalSettingName]: { readonly default: string; readonly meaning: string };
} = {
  HAPPYCOLIS_SECRETS: {
    default: `\`${DEV_HAPPYCOLIS_SECRET}\` (with a warning)`,
    meaning:
      'HappyColis client secrets, comma-separated; any of them verifies a signature. Set but empty refuses to start.',
  },
  WEBHOOK_TOKENS: {
    default: `\`${DEV_WEBHOOK_TOKEN}\` (with a warning)`,
    meaning:
      'Bearer tokens accepted on `/webhooks/delivery-errors`, comma-separated. Set but empty: every notice gets `401`.',
  },
  PORT: {
    default: `\`${DEFAULT_PORT}\``,
    meaning: 'HTTP port on 127.0.0.1; `0` picks a free one (the URL is printed).',
  },
  DATA_DIR: {
    default: `\`${DEFAULT_DATA_DIR}\``,
    meaning:
      'Where DynamoDB data (`<DATA_DIR>/dynamodb`) and the queues, their messages and the topic (`<DATA_DIR>/messaging`) are kept across restarts.',
  },
  AWS_ENDPOINT_URL: {
    default: 'none',
    meaning:
      'Use this endpoint (e.g. LocalStack, `http://localhost:4566`) for DynamoDB, SQS and SNS instead of the embedded emulators.',
  },
  AWS_REGION: { default: '`us-east-1`', meaning: 'Region of the local resources.' },
  POWERTOOLS_LOG_LEVEL: {
    default: `\`${DEFAULT_HANDLER_LOG_LEVEL}\``,
    meaning: `Level of the handlers' own JSON logs: ${LOG_LEVELS.join(', ')}.`,
  },
  ...chatUrlDocs,
  ALERT_GROUP_WINDOW_SECONDS: {
    default: `\`${DEFAULT_ALERT_GROUP_WINDOW_SECONDS}\``,
    meaning:
      "How long the first alert of a group waits for others before the group's message (the cloud's `alertGroupWindowSeconds`).",
  },
  ALERT_GROUP_INTERVAL_SECONDS: {
    default: `\`${DEFAULT_ALERT_GROUP_INTERVAL_SECONDS}\``,
    meaning:
      "How long after a group's message the next one may go out (the cloud's `alertGroupIntervalSeconds`).",
  },
  HAPPYCOLIS_CLIENT_ID: {
    default: 'none',
    meaning:
      "The HappyColis API application's client id; without it nothing calls HappyColis (docs/happycolis.md).",
  },
  HAPPYCOLIS_CLIENT_SECRET: {
    default: 'the first of `HAPPYCOLIS_SECRETS`',
    meaning: "The application's client secret, for HappyColis's token endpoint.",
  },
  HAPPYCOLIS_ORGANIZATION_IDS: {
    default: 'every organization with integrations',
    meaning: 'Comma-separated organization ids the application acts for.',
  },
  HAPPYCOLIS_API_URL: {
    default: `\`${DEFAULT_HAPPYCOLIS_API_URL}\``,
    meaning: "HappyColis's API (the local stand-in's URL to try it out: docs/happycolis.md).",
  },
  HAPPYCOLIS_API_RATE: {
    default: `\`${DEFAULT_HAPPYCOLIS_API_RATE}\``,
    meaning: "Requests per second to HappyColis's API (the cloud's `happycolisApiRate`).",
  },
  RECONCILE_INTERVAL_MINUTES: {
    default: `\`${DEFAULT_RECONCILE_INTERVAL_MINUTES}\``,
    meaning: "Minutes between two reconcile sweeps (the cloud's `reconcileIntervalMinutes`).",
  },
  RECONCILE_GRACE_MINUTES: {
    default: `\`${DEFAULT_RECONCILE_GRACE_MINUTES}\``,
    meaning:
      "Minutes a disagreement with HappyColis may last before it alerts (the cloud's `reconcileGraceMinutes`).",
  },
  PENDING_TIMEOUT_HOURS: {
    default: `\`${DEFAULT_PENDING_TIMEOUT_HOURS}\``,
    meaning: `An integration still \`PENDING\` this many hours after the date of its \`created\` event raises a warning; the check runs at start-up and every ${LOCAL_PENDING_CHECK_INTERVAL_MS / 1000} s.`,
  },
};
