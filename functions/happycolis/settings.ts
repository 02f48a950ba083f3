import * as v from 'valibot';
import {
  ConfigError,
  parseEnv,
  parseList,
  readStageSecret,
  type StageSecret,
  stageSecretField,
} from '../config.ts';

/**
 * How the receiver talks to HappyColis's own API: the application's client credentials, the
 * organizations it may act for, where the API is and how fast we call it; and how often the
 * reconciler sweeps. Credentials come from the stage secret in the cloud (fields named like
 * the variables below) and from the environment on a laptop. Without a client id and secret,
 * nothing calls HappyColis.
 */

export const DEFAULT_HAPPYCOLIS_API_URL = 'https://api-v3.happycolis.com';
/** Our own pace against HappyColis (its limit is 1,000 requests/min per token, bursts 100/s). */
export const DEFAULT_HAPPYCOLIS_API_RATE = 5;
/** Highest pace we accept: HappyColis's sustained limit of 1,000 requests/min, rounded down. */
export const MAX_HAPPYCOLIS_API_RATE = 16;
export const DEFAULT_RECONCILE_INTERVAL_MINUTES = 60;
export const DEFAULT_RECONCILE_GRACE_MINUTES = 15;
/** Time one `POST /reconcile` may spend sweeping: well inside API Gateway's 30 s. */
export const RECONCILE_ROUTE_BUDGET_MS = 20_000;

/** The credential fields, read from the stage secret in the cloud, the environment locally. */
export const HAPPYCOLIS_CREDENTIAL_FIELDS = [
  'HAPPYCOLIS_CLIENT_ID',
  'HAPPYCOLIS_CLIENT_SECRET',
  'HAPPYCOLIS_ORGANIZATION_IDS',
  'HAPPYCOLIS_SECRETS',
] as const;

const positive = (name: string, max = Number.MAX_SAFE_INTEGER) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.decimal(`${name} must be a number`),
      v.transform(Number),
      v.gtValue(0, `${name} must be greater than 0`),
      v.maxValue(max, `${name} must be at most ${max}`),
    ),
  );

/** The non-secret settings, from the environment (set from CDK context in the cloud). */
export const HappyColisEnvSchema = v.object({
  HAPPYCOLIS_API_URL: v.optional(
    v.pipe(v.string(), v.url('HAPPYCOLIS_API_URL must be a URL')),
    DEFAULT_HAPPYCOLIS_API_URL,
  ),
  HAPPYCOLIS_API_RATE: positive('HAPPYCOLIS_API_RATE', MAX_HAPPYCOLIS_API_RATE),
  RECONCILE_INTERVAL_MINUTES: positive('RECONCILE_INTERVAL_MINUTES'),
  RECONCILE_GRACE_MINUTES: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.decimal('RECONCILE_GRACE_MINUTES must be a number'),
      v.transform(Number),
      v.minValue(0, 'RECONCILE_GRACE_MINUTES must not be negative'),
    ),
  ),
});

/** The application's credentials. Never logged, stored, alerted or returned. */
export interface HappyColisCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface HappyColisSettings {
  readonly apiUrl: string;
  /** Requests per second, at most. */
  readonly rate: number;
  /** Absent when no client id and secret are configured: nothing calls HappyColis then. */
  readonly credentials?: HappyColisCredentials;
  /** The organizations we may act for; empty means every organization we know integrations of. */
  readonly organizationIds: readonly string[];
}

export interface ReconcileTiming {
  readonly intervalMinutes: number;
  readonly graceMinutes: number;
}

/** The reconcile interval and grace period from the environment, defaults filled in. */
export const reconcileTimingOf = (env: NodeJS.ProcessEnv): ReconcileTiming => {
  const parsed = parseEnv(HappyColisEnvSchema, env, 'reconcile');
  return {
    intervalMinutes: parsed.RECONCILE_INTERVAL_MINUTES ?? DEFAULT_RECONCILE_INTERVAL_MINUTES,
    graceMinutes: parsed.RECONCILE_GRACE_MINUTES ?? DEFAULT_RECONCILE_GRACE_MINUTES,
  };
};

type Fields = Partial<Record<(typeof HAPPYCOLIS_CREDENTIAL_FIELDS)[number], string>>;

/** A credential field as text: a list field (`HAPPYCOLIS_SECRETS`) may be an array. */
const fieldText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.join(',');
  }
  return undefined;
};

/**
 * The HappyColis settings: each credential field from the stage secret named by
 * `<FIELD>_SECRET_ID` when set (the cloud), else from the variable `<FIELD>` (a laptop). The
 * client secret defaults to the first webhook signing secret (HappyColis signs webhooks with
 * the application's client secret). Errors name fields, never values.
 */
export const loadHappyColisSettings = async (
  env: NodeJS.ProcessEnv,
  read: (secretId: string) => Promise<StageSecret> = readStageSecret,
): Promise<HappyColisSettings> => {
  const parsed = parseEnv(HappyColisEnvSchema, env, 'HappyColis');
  const fields: Fields = {};
  const reads = new Map<string, Promise<StageSecret>>();
  for (const name of HAPPYCOLIS_CREDENTIAL_FIELDS) {
    const secretId = env[`${name}_SECRET_ID`];
    if (!secretId) {
      if (env[name] !== undefined) fields[name] = env[name];
      continue;
    }
    const pending = reads.get(secretId) ?? read(secretId);
    reads.set(secretId, pending);
    const secret = await pending;
    // Optional fields: a stage without them simply does not call HappyColis.
    if (secret[name] === undefined || secret[name] === null) continue;
    const text = fieldText(stageSecretField(secret, name, secretId));
    if (text === undefined) {
      throw new ConfigError(`field ${name} of secret ${secretId} must be a string`);
    }
    fields[name] = text;
  }
  const clientId = fields.HAPPYCOLIS_CLIENT_ID?.trim();
  const clientSecret =
    fields.HAPPYCOLIS_CLIENT_SECRET?.trim() || parseList(fields.HAPPYCOLIS_SECRETS)[0];
  return {
    apiUrl: parsed.HAPPYCOLIS_API_URL.replace(/\/+$/, ''),
    rate: parsed.HAPPYCOLIS_API_RATE ?? DEFAULT_HAPPYCOLIS_API_RATE,
    ...(clientId && clientSecret ? { credentials: { clientId, clientSecret } } : {}),
    organizationIds: parseList(fields.HAPPYCOLIS_ORGANIZATION_IDS),
  };
};

/** Why HappyColis is not called, for messages: which settings are missing. */
export const NOT_CONFIGURED =
  'HappyColis API credentials are not configured: set HAPPYCOLIS_CLIENT_ID and HAPPYCOLIS_CLIENT_SECRET (or HAPPYCOLIS_SECRETS) in the stage secret, or in the environment locally';
