import * as v from 'valibot';
import { SEVERITIES } from '../../functions/core/alerts.ts';
import { ReceiverError } from '../../functions/core/errors.ts';
import {
  fleetIndexes,
  MIN_MAPPING_CONCURRENCY,
  pipeline,
} from '../../functions/definitions/resources.ts';
import { SERVICE_NAME } from '../../functions/definitions/service.ts';
import {
  DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
  DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
  DEFAULT_CLIENT_ERROR_ALARM_THRESHOLD,
  DEFAULT_PENDING_TIMEOUT_HOURS,
  DEFAULT_THROTTLE_BURST_LIMIT,
  DEFAULT_THROTTLE_RATE_LIMIT,
} from '../../functions/definitions/settings.ts';
import {
  DEFAULT_HAPPYCOLIS_API_RATE,
  DEFAULT_HAPPYCOLIS_API_URL,
  DEFAULT_RECONCILE_GRACE_MINUTES,
  DEFAULT_RECONCILE_INTERVAL_MINUTES,
  MAX_HAPPYCOLIS_API_RATE,
} from '../../functions/happycolis/settings.ts';

/**
 * Deployment settings, read from CDK context (`cdk.json` or `-c key=value`) and validated once.
 * Values given on the command line arrive as strings, so numbers and lists accept both forms.
 * A malformed value stops synthesis with `context "<key>" must be <what>, got <value>`.
 */

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A stage names the stack and, through CloudFormation's generated names, every resource in it.
 * Short, because generated names are `<stack>-<construct path>-<suffix>` cut to each service's
 * limit: a long stage would crowd out the part that tells resources apart.
 */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$|^[a-z]$/;

/** Secrets Manager name of a stage's secret: `fulfillment-webhooks/<stage>/<what>`. */
export const stageSecretName = (stage: string, what: string): string =>
  `${SERVICE_NAME}/${stage}/${what}`;

export const SETTING_DEFAULTS = {
  stage: 'dev',
  alertEmailSeverities: 'critical,warning',
  /** Under the stage: `fulfillment-webhooks/<stage>/secrets`. */
  secretName: 'secrets',
  slack: false,
  teams: false,
  dashboard: true,
  processorMaxConcurrency: pipeline.maxConcurrency,
  pendingTimeoutHours: DEFAULT_PENDING_TIMEOUT_HOURS,
  logRetentionDays: 30,
  logLevel: 'INFO',
  throttleRateLimit: DEFAULT_THROTTLE_RATE_LIMIT,
  throttleBurstLimit: DEFAULT_THROTTLE_BURST_LIMIT,
  clientErrorAlarmThreshold: DEFAULT_CLIENT_ERROR_ALARM_THRESHOLD,
  alertGroupWindowSeconds: DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
  alertGroupIntervalSeconds: DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
  reconcileIntervalMinutes: DEFAULT_RECONCILE_INTERVAL_MINUTES,
  reconcileGraceMinutes: DEFAULT_RECONCILE_GRACE_MINUTES,
  happycolisApiRate: DEFAULT_HAPPYCOLIS_API_RATE,
  happycolisApiUrl: DEFAULT_HAPPYCOLIS_API_URL,
} as const;

/** Bounds of the alert grouping: a window of at most an hour, an interval of at most a day. */
export const ALERT_GROUP_WINDOW_RANGE = { min: 1, max: 3_600 } as const;
export const ALERT_GROUP_INTERVAL_MAX_SECONDS = 86_400;

export class SettingsError extends ReceiverError {}

// Every issue message below is "what the key must be"; parseSettings adds key and value.

/** A number given as a number (cdk.json) or as a numeric string (`-c key=24`). */
const numberFrom = (what: string) =>
  v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.trim(), v.nonEmpty(), v.toNumber(what))], what),
    v.number(what),
    v.finite(what),
  );

const positiveNumber = (what = 'a positive number') => v.pipe(numberFrom(what), v.gtValue(0, what));

const positiveInteger = (what = 'a positive integer') =>
  v.pipe(numberFrom(what), v.integer(what), v.gtValue(0, what));

const secretName = (what = 'a non-empty Secrets Manager secret name') =>
  v.pipe(v.string(what), v.trim(), v.nonEmpty(what));

/** A boolean given as a boolean (cdk.json) or as `true`/`false` (`-c dashboard=false`). */
const booleanFrom = (what = 'true or false') =>
  v.union(
    [
      v.boolean(),
      v.pipe(
        v.string(),
        v.trim(),
        v.toLowerCase(),
        v.picklist(['true', 'false']),
        v.transform((value) => value === 'true'),
      ),
    ],
    what,
  );

/** A list given as an array (cdk.json) or a comma-separated string (`-c key=a,b`). */
const listOf = <const T extends readonly string[]>(options: T, what: string) =>
  v.pipe(
    v.union([v.array(v.string(what), what), v.string(what)], what),
    v.transform((value) =>
      (typeof value === 'string' ? value.split(',') : value)
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    ),
    v.array(v.picklist(options, what), what),
    v.nonEmpty(what),
    v.transform((list) => [...new Set(list)]),
  );

const STAGE_WHAT =
  '1 to 16 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen';

const MAX_MAPPING_CONCURRENCY = 1000;

/** An integer within `min`..`max` (inclusive), given as a number or a numeric string. */
const integerFrom = (min: number, max: number) => {
  const what = `an integer from ${min} to ${max}`;
  return v.pipe(numberFrom(what), v.integer(what), v.minValue(min, what), v.maxValue(max, what));
};

const oneOf = <const T extends readonly (string | number)[]>(options: T) =>
  `one of ${options.join(', ')}`;

const SettingsSchema = v.object({
  /** Names the stack (`FulfillmentWebhooks-<stage>`) and every resource; stages coexist. */
  stage: v.optional(
    v.pipe(v.string(STAGE_WHAT), v.trim(), v.regex(STAGE_PATTERN, STAGE_WHAT)),
    SETTING_DEFAULTS.stage,
  ),
  /** Where alerts are emailed; no email subscription when absent. */
  alertEmail: v.optional(
    v.pipe(v.string('an email address'), v.trim(), v.email('an email address')),
  ),
  /** Severities that reach the email address. */
  alertEmailSeverities: v.optional(
    listOf(SEVERITIES, `a non-empty comma-separated list of ${SEVERITIES.join(', ')}`),
    SETTING_DEFAULTS.alertEmailSeverities,
  ),
  /**
   * Secrets Manager name of the stage secret: one JSON object holding every credential the
   * functions read (`HAPPYCOLIS_SECRETS`, `WEBHOOK_TOKENS`, and with Slack or Teams
   * `SLACK_WEBHOOK_URL`, `TEAMS_WEBHOOK_URL`).
   * Default: `fulfillment-webhooks/<stage>/secrets`.
   */
  secretName: v.optional(secretName()),
  /** Posts alerts to Slack, at the URL in the stage secret's `SLACK_WEBHOOK_URL` field. */
  slack: v.optional(booleanFrom(), SETTING_DEFAULTS.slack),
  /** Posts alerts to Microsoft Teams, at the URL in the stage secret's `TEAMS_WEBHOOK_URL` field. */
  teams: v.optional(booleanFrom(), SETTING_DEFAULTS.teams),
  /**
   * Creates the stage's CloudWatch dashboard ($3 a month beyond an account's first three).
   * Alarms do not depend on it.
   */
  dashboard: v.optional(booleanFrom(), SETTING_DEFAULTS.dashboard),
  /** An integration still PENDING after this many hours raises an alert. */
  pendingTimeoutHours: v.optional(positiveNumber(), SETTING_DEFAULTS.pendingTimeoutHours),
  /** Retention of every log group the stack creates. */
  logRetentionDays: v.optional(
    v.pipe(
      numberFrom(oneOf(LOG_RETENTION_DAYS)),
      v.picklist(LOG_RETENTION_DAYS, oneOf(LOG_RETENTION_DAYS)),
    ),
    SETTING_DEFAULTS.logRetentionDays,
  ),
  /** Level of the functions' Powertools logger. */
  logLevel: v.optional(
    v.pipe(
      v.string(oneOf(LOG_LEVELS)),
      v.trim(),
      v.toUpperCase(),
      v.picklist(LOG_LEVELS, oneOf(LOG_LEVELS)),
    ),
    SETTING_DEFAULTS.logLevel,
  ),
  /** Steady-state requests per second the HTTP API accepts before answering 429. */
  throttleRateLimit: v.optional(positiveInteger(), SETTING_DEFAULTS.throttleRateLimit),
  /** Requests the HTTP API accepts in a burst above the steady rate. */
  throttleBurstLimit: v.optional(positiveInteger(), SETTING_DEFAULTS.throttleBurstLimit),
  /** 4xx answers in 5 minutes that count as a spike (bad signatures, a misconfigured sender). */
  clientErrorAlarmThreshold: v.optional(
    positiveInteger(),
    SETTING_DEFAULTS.clientErrorAlarmThreshold,
  ),
  /**
   * Most concurrent processor executions the queue's event source mapping starts (Lambda's
   * `MaximumConcurrency`, 2 to 1,000). The default leaves the ingest room in an account whose
   * concurrency quota is 10; raise it only where the account quota allows (docs/deploy.md,
   * "Quotas the stack needs").
   */
  processorMaxConcurrency: v.optional(
    integerFrom(MIN_MAPPING_CONCURRENCY, MAX_MAPPING_CONCURRENCY),
    SETTING_DEFAULTS.processorMaxConcurrency,
  ),
  /**
   * Seconds the first alert of a group waits for others before the group's first message
   * (Alertmanager's `group_wait`).
   */
  alertGroupWindowSeconds: v.optional(
    integerFrom(ALERT_GROUP_WINDOW_RANGE.min, ALERT_GROUP_WINDOW_RANGE.max),
    SETTING_DEFAULTS.alertGroupWindowSeconds,
  ),
  /**
   * Seconds between two messages of one group (Alertmanager's `group_interval`); at least the
   * window, checked after parsing because the bound depends on it.
   */
  alertGroupIntervalSeconds: v.optional(
    integerFrom(ALERT_GROUP_WINDOW_RANGE.min, ALERT_GROUP_INTERVAL_MAX_SECONDS),
    SETTING_DEFAULTS.alertGroupIntervalSeconds,
  ),
  /**
   * How many of the operator list indexes (`fleetIndexes`, in order) the table has. DynamoDB
   * adds one global secondary index per table update, so a stage deployed before them takes
   * them one deploy at a time: `-c listIndexes=1`, then 2, 3, and all. Default: all. At least
   * one: the first, `by-state`, is also where the stuck-PENDING check finds PENDING integrations.
   */
  listIndexes: v.optional(integerFrom(1, fleetIndexes.length), fleetIndexes.length),
  /** Minutes between two reconcile sweeps against HappyColis's API. */
  reconcileIntervalMinutes: v.optional(
    integerFrom(1, 1_440),
    SETTING_DEFAULTS.reconcileIntervalMinutes,
  ),
  /** Minutes a disagreement with HappyColis may last before it alerts (a webhook in flight). */
  reconcileGraceMinutes: v.optional(integerFrom(0, 1_440), SETTING_DEFAULTS.reconcileGraceMinutes),
  /** Requests per second the receiver makes to HappyColis's API (its limit is 1,000/min). */
  happycolisApiRate: v.optional(
    integerFrom(1, MAX_HAPPYCOLIS_API_RATE),
    SETTING_DEFAULTS.happycolisApiRate,
  ),
  /** HappyColis's API; `/graphql` and `/token` are under it. */
  happycolisApiUrl: v.optional(
    v.pipe(
      v.string('an HTTPS URL'),
      v.trim(),
      v.url('an HTTPS URL'),
      v.startsWith('https://', 'an HTTPS URL'),
    ),
    SETTING_DEFAULTS.happycolisApiUrl,
  ),
});

/** The settings, the secret name resolved under the stage when not given. */
export type Settings = Omit<v.InferOutput<typeof SettingsSchema>, 'secretName'> & {
  readonly secretName: string;
};

/** The context keys this app reads; any other context belongs to the CDK itself. */
export const SETTING_KEYS = Object.keys(SettingsSchema.entries) as (keyof Settings)[];

/**
 * Keys earlier versions read, each with what replaced it: given one, synthesis stops instead of
 * silently deploying without the secret it named.
 */
export const RETIRED_KEYS: Readonly<Record<string, string>> = {
  happycolisSecretName:
    'the stage has one secret now: put the client secrets in its HAPPYCOLIS_SECRETS field and name it with "secretName"',
  deliveryErrorTokensSecretName:
    'the stage has one secret now: put the tokens in its WEBHOOK_TOKENS field and name it with "secretName"',
  slackWebhookSecretName:
    'the stage has one secret now: put the URL in its SLACK_WEBHOOK_URL field and deploy with -c slack=true',
};

/** The CloudFormation stack of a stage. */
export const stackName = (stage: string): string => `FulfillmentWebhooks-${stage}`;

const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** How a message names a key: `context "<key>"` for CDK context. */
export type KeyLabel = (key: string) => string;
const contextKey: KeyLabel = (key) => `context "${key}"`;

/**
 * Validates raw context values (as `node.tryGetContext` returns them). An empty string counts
 * as "not given", so `-c alertEmail=` switches an option off instead of failing.
 *
 * @param label how messages name a key (`context "<key>"` unless given, e.g. for a stage file)
 * @throws SettingsError naming every malformed key, one per line.
 */
export const parseSettings = (
  context: Readonly<Record<string, unknown>>,
  label: KeyLabel = contextKey,
): Settings => {
  const isGiven = (value: unknown) => value !== undefined && value !== null && value !== '';
  const retired = Object.entries(RETIRED_KEYS)
    .filter(([key]) => isGiven(context[key]))
    .map(([key, instead]) => `context "${key}" is no longer read: ${instead}`);
  if (retired.length > 0) throw new SettingsError(retired.join('\n'));
  const given: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = context[key];
    if (isGiven(value)) given[key] = value;
  }
  const result = v.safeParse(SettingsSchema, given);
  if (result.success) {
    const { stage, alertGroupWindowSeconds, alertGroupIntervalSeconds } = result.output;
    if (alertGroupIntervalSeconds < alertGroupWindowSeconds) {
      throw new SettingsError(
        `${label('alertGroupIntervalSeconds')} must be an integer from ${alertGroupWindowSeconds} (alertGroupWindowSeconds) to ${ALERT_GROUP_INTERVAL_MAX_SECONDS}, got ${shown(given.alertGroupIntervalSeconds ?? alertGroupIntervalSeconds)}`,
      );
    }
    return {
      ...result.output,
      secretName: result.output.secretName ?? stageSecretName(stage, SETTING_DEFAULTS.secretName),
    };
  }
  const messages = result.issues.map((issue) => {
    const key = String(issue.path?.[0]?.key);
    return `${label(key)} must be ${issue.message}, got ${shown(given[key])}`;
  });
  throw new SettingsError([...new Set(messages)].join('\n'));
};

/** Reads and validates the settings from a construct tree's context (usually the App). */
export const settingsFromContext = (tryGetContext: (key: string) => unknown): Settings =>
  parseSettings(
    Object.fromEntries(
      [...SETTING_KEYS, ...Object.keys(RETIRED_KEYS)].map((key) => [key, tryGetContext(key)]),
    ),
  );

/** What the settings table of the docs says about one key. */
export interface SettingDoc {
  /** The default as the table shows it, when `SETTING_DEFAULTS` has none to show. */
  readonly default?: string;
  readonly meaning: string;
}

const shownDefault = (value: unknown): string =>
  `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;

/**
 * One entry per setting, rendered into docs/settings.md (`npm run docs:settings`); a setting
 * without an entry does not compile, and test/docs/settings-tables.test.ts fails when the page
 * is not what this renders.
 */
export const SETTING_DOCS: { readonly [K in keyof Settings]-?: SettingDoc } = {
  stage: {
    meaning:
      'Names the stack `FulfillmentWebhooks-<stage>` and, through it, every resource; given with `-c stage=<stage>` (never in a stage file, whose name it is). ' +
      `${STAGE_WHAT.replace(/^1/, 'One')}.`,
  },
  alertEmail: {
    default: 'none',
    meaning:
      'Address subscribed to the alerts topic. AWS emails it a confirmation link first; nothing arrives until someone clicks it. Without it, no email subscription.',
  },
  alertEmailSeverities: {
    meaning: `Alert severities (${SEVERITIES.join(', ')}) that reach the email address. With all of them the subscription has no filter and also receives CloudWatch alarm notifications; with a subset, alarm notifications (which carry no severity) no longer reach the address.`,
  },
  secretName: {
    default: '`fulfillment-webhooks/<stage>/secrets`',
    meaning: 'Secrets Manager name of the stage secret (its fields are in the table below).',
  },
  slack: {
    meaning:
      "`true` posts alerts to Slack, at the URL in the stage secret's `SLACK_WEBHOOK_URL` field, through the Slack queue and notifier.",
  },
  teams: {
    meaning:
      "`true` posts alerts to Microsoft Teams as Adaptive Cards, at the URL in the stage secret's `TEAMS_WEBHOOK_URL` field, through the Teams queue and notifier.",
  },
  dashboard: {
    meaning:
      "`false` leaves out the CloudWatch operations dashboard (billed beyond an account's first three); the alarms do not depend on it.",
  },
  pendingTimeoutHours: {
    meaning:
      'An integration still `PENDING` this many hours after its `created` event raises a warning. A positive number.',
  },
  logRetentionDays: {
    meaning: `Retention of every log group the stack creates: ${oneOf(LOG_RETENTION_DAYS)}.`,
  },
  logLevel: { meaning: `Level of the functions' logs: ${oneOf(LOG_LEVELS)}.` },
  throttleRateLimit: {
    meaning:
      "Requests per second the API accepts, steady state, before answering `429`; HappyColis blocks an integration's queue on any non-2xx, so size it above the peak.",
  },
  throttleBurstLimit: { meaning: 'Requests the API accepts in a burst above that rate.' },
  clientErrorAlarmThreshold: {
    meaning: 'The 4xx-spike alarm fires on more than this many 4xx answers within 5 minutes.',
  },
  processorMaxConcurrency: {
    meaning: `Most concurrent processor executions, ${MIN_MAPPING_CONCURRENCY} to ${MAX_MAPPING_CONCURRENCY}: the queue's event source mapping caps it, and no concurrency is reserved. Raise it only in an account whose concurrency quota leaves room (docs/deploy.md, "Quotas").`,
  },
  alertGroupWindowSeconds: {
    meaning: `How long the first alert of a group waits for others before the group's message goes out (Alertmanager's \`group_wait\`), ${ALERT_GROUP_WINDOW_RANGE.min} to ${ALERT_GROUP_WINDOW_RANGE.max}. The functions read it as \`ALERT_GROUP_WINDOW_SECONDS\`.`,
  },
  alertGroupIntervalSeconds: {
    meaning: `How long after a group's message the next one may go out (Alertmanager's \`group_interval\`), from \`alertGroupWindowSeconds\` to ${ALERT_GROUP_INTERVAL_MAX_SECONDS}. The functions read it as \`ALERT_GROUP_INTERVAL_SECONDS\`.`,
  },
  listIndexes: {
    default: `\`${fleetIndexes.length}\` (all)`,
    meaning: `How many of the operator list indexes the table has, 1 to ${fleetIndexes.length}, in order: ${fleetIndexes.map((index) => `\`${index.name}\``).join(', ')}. DynamoDB adds one index per table update, so a table without them takes them one deploy at a time.`,
  },
  reconcileIntervalMinutes: {
    meaning:
      "Minutes between two reconcile sweeps against HappyColis's API (docs/happycolis.md), 1 to 1440. The functions read it as `RECONCILE_INTERVAL_MINUTES`.",
  },
  reconcileGraceMinutes: {
    meaning:
      'Minutes a disagreement with HappyColis may last before it alerts, 0 to 1440, so a webhook in flight never does. The functions read it as `RECONCILE_GRACE_MINUTES`.',
  },
  happycolisApiRate: {
    meaning: `Requests per second the receiver makes to HappyColis's API, 1 to ${MAX_HAPPYCOLIS_API_RATE} (HappyColis allows 1,000 a minute per token). The functions read it as \`HAPPYCOLIS_API_RATE\`.`,
  },
  happycolisApiUrl: {
    meaning:
      "HappyColis's API, HTTPS; `/graphql` and `/token` are under it. The functions read it as `HAPPYCOLIS_API_URL`.",
  },
};

/** The default of a setting as the docs show it. */
export const settingDefault = (key: keyof Settings): string =>
  SETTING_DOCS[key].default ??
  shownDefault((SETTING_DEFAULTS as Readonly<Record<string, unknown>>)[key]);
