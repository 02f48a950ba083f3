import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as v from 'valibot';
import {
  type CheckedCredentials,
  type CredentialName,
  checkCredentials,
} from './core/credentials.ts';
import { ReceiverError } from './core/errors.ts';
import { parseJson } from './core/json.ts';
import {
  DEFAULT_FUTURE_SKEW_HOURS,
  DEFAULT_QUARANTINE_DAYS,
  DEFAULT_SECRET_MAX_AGE_SECONDS,
} from './definitions/settings.ts';

/**
 * Configuration from the environment, parsed once per container with valibot. A missing or
 * malformed setting fails the cold start with a message naming it, instead of a silent
 * default.
 */

/** Splits a comma-separated setting, dropping blanks: `"a, b,,c"` → `["a","b","c"]`. */
export const parseList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const Required = v.pipe(v.string('must be a string'), v.nonEmpty('is empty'));

/** Parses `env` with `schema`, failing with every problem listed by variable name. */
export const parseEnv = <S extends v.GenericSchema>(
  schema: S,
  env: NodeJS.ProcessEnv,
  what: string,
): v.InferOutput<S> => {
  const result = v.safeParse(schema, env);
  if (result.success) return result.output;
  const problems = result.issues
    .map((issue) => {
      const name = v.getDotPath(issue) ?? '(environment)';
      return issue.input === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
    })
    .join('; ');
  throw new ConfigError(`${what} configuration is invalid: ${problems}`);
};

export class ConfigError extends ReceiverError {}

const SecretListSchema = v.union([v.array(v.string()), v.string()]);

/** A secret holding a list: a JSON array of strings, or a comma-separated string. */
export const parseSecretList = (text: string): string[] => {
  let parsed: unknown = text;
  if (text.trim().startsWith('[')) {
    const json = parseJson(text);
    if (!json.success) {
      throw new ConfigError('secret looks like a JSON array but does not parse', {
        cause: json.errors[0]?.message,
      });
    }
    parsed = json.value;
  }
  const list = v.parse(SecretListSchema, parsed);
  return typeof list === 'string'
    ? parseList(list)
    : list.map((item) => item.trim()).filter(Boolean);
};

/**
 * The stage secret. In the cloud every credential of a stage lives in ONE Secrets Manager
 * secret (each secret costs a monthly fee): a JSON object whose fields are named like the
 * variables a laptop sets instead, e.g.
 * `{"HAPPYCOLIS_SECRETS": ["…"], "WEBHOOK_TOKENS": ["…"], "SLACK_WEBHOOK_URL": "https://…"}`.
 * A function finds the secret's name in `<FIELD>_SECRET_ID` (`SLACK_WEBHOOK_SECRET_ID` for the
 * Slack URL), so its environment says which fields it reads. Messages name the secret and the
 * field, never a value.
 */
export type StageSecret = Readonly<Record<string, unknown>>;

// valibot's record takes an array for an object keyed by index: arrays are refused first.
const StageSecretSchema = v.pipe(
  v.unknown(),
  v.check((value) => !Array.isArray(value)),
  v.record(v.string(), v.unknown()),
);

/** Parses the stage secret's text: a JSON object, or a {@link ConfigError} saying so. */
export const parseStageSecret = (value: unknown, secretId: string): StageSecret => {
  const notAnObject = () =>
    new ConfigError(
      `secret ${secretId} must hold a JSON object of credentials, e.g. {"HAPPYCOLIS_SECRETS": ["…"], "WEBHOOK_TOKENS": ["…"]}`,
    );
  if (typeof value !== 'string') throw notAnObject();
  // The parse error is left out on purpose: it could quote part of a credential.
  const json = parseJson(value);
  if (!json.success) throw notAnObject();
  const secret = v.safeParse(StageSecretSchema, json.value);
  if (!secret.success) throw notAnObject();
  return secret.output;
};

/** One field of the stage secret, or a {@link ConfigError} naming the missing field. */
export const stageSecretField = (secret: StageSecret, field: string, secretId: string): unknown => {
  const value = secret[field];
  if (value === undefined || value === null) {
    throw new ConfigError(`secret ${secretId} has no field ${field}`);
  }
  return value;
};

/** A credential list field: a JSON array of strings, or a comma-separated string. */
export const credentialListField = (
  secret: StageSecret,
  field: string,
  secretId: string,
): string[] => {
  const value = stageSecretField(secret, field, secretId);
  if (typeof value === 'string') return parseSecretList(value);
  const list = v.safeParse(v.array(v.string()), value);
  if (!list.success) {
    throw new ConfigError(
      `field ${field} of secret ${secretId} must be a list of strings (a JSON array or a comma-separated string)`,
    );
  }
  return list.output.map((item) => item.trim()).filter(Boolean);
};

/**
 * Reads and parses the stage secret. `maxAgeSeconds` is how long Powertools may serve it from
 * its cache (a rotated value is picked up after that).
 */
export const readStageSecret = async (
  secretId: string,
  maxAgeSeconds?: number,
): Promise<StageSecret> =>
  parseStageSecret(
    await getSecret(secretId, maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
    secretId,
  );

/**
 * Reads lists of credentials, each from the field of that name in the secret named by
 * `<name>_SECRET_ID` (the cloud), else from the comma-separated variable `<name>` (a laptop).
 * Each secret is fetched once, however many of its fields are wanted.
 */
export const loadCredentialLists = async <const N extends string>(
  env: NodeJS.ProcessEnv,
  names: readonly N[],
  read: (secretId: string) => Promise<StageSecret> = readStageSecret,
): Promise<Record<N, string[]>> => {
  const reads = new Map<string, Promise<StageSecret>>();
  const secret = (secretId: string) => {
    const pending = reads.get(secretId) ?? read(secretId);
    reads.set(secretId, pending);
    return pending;
  };
  const lists = await Promise.all(
    names.map(async (name) => {
      const secretId = env[`${name}_SECRET_ID`];
      return secretId
        ? credentialListField(await secret(secretId), name, secretId)
        : parseList(env[name]);
    }),
  );
  const result = {} as Record<N, string[]>;
  names.forEach((name, index) => {
    result[name] = lists[index] ?? [];
  });
  return result;
};

/** {@link loadCredentialLists} for one list. */
export const loadCredentialList = async (
  env: NodeJS.ProcessEnv,
  name: string,
  read?: (secretId: string) => Promise<StageSecret>,
): Promise<string[]> => (await loadCredentialLists(env, [name], read))[name] ?? [];

export const TableEnvSchema = v.object({ TABLE_NAME: Required });
export const QueueEnvSchema = v.object({ QUEUE_URL: Required });
export const TopicEnvSchema = v.object({ TOPIC_ARN: Required });

/** What a credential source hands out: each list checked on its own. */
export type CredentialSnapshot<N extends CredentialName> = Readonly<Record<N, CheckedCredentials>>;

/** How long after a failed read of the stage secret the next read is tried. */
export const SECRET_RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * Credentials that can be revoked and rotated without a redeploy. In the cloud (a
 * `<NAME>_SECRET_ID` is set) the stage secret is read on first use, then again at most every
 * `maxAgeSeconds` (through Powertools' cache with that `maxAge`):
 *
 * - a successful read applies, even when it removes a value or a whole field: a revoked
 *   token stops working at most `maxAgeSeconds` later;
 * - a failed read (Secrets Manager unreachable, throttled, denied) keeps the last good values
 *   and is tried again {@link SECRET_RETRY_AFTER_FAILURE_MS} later, so an outage neither
 *   revokes everything nor slows every request; before any good read, the lists are empty;
 * - each field is checked on its own (`checkCredentials`): a broken field empties its own
 *   list only.
 *
 * On a laptop (no secret named) the variables `<NAME>` are read once. Problems are logged as
 * they appear, by field, never with a value. A cold start never fails on a secret.
 */
export const createCredentialSource = <const N extends CredentialName>(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly names: readonly N[];
  /** @default DEFAULT_SECRET_MAX_AGE_SECONDS */
  readonly maxAgeSeconds?: number;
  readonly read?: (secretId: string, maxAgeSeconds: number) => Promise<unknown>;
  readonly clock?: () => number;
  readonly onProblem?: (message: string, details: Record<string, unknown>) => void;
}): (() => Promise<CredentialSnapshot<N>>) => {
  const {
    env,
    names,
    maxAgeSeconds = DEFAULT_SECRET_MAX_AGE_SECONDS,
    read = (secretId: string, maxAge: number) => getSecret(secretId, { maxAge }),
    clock = Date.now,
    onProblem = () => {},
  } = options;
  const check = (field: (name: N) => unknown): CredentialSnapshot<N> => {
    const snapshot = {} as Record<N, CheckedCredentials>;
    for (const name of names) snapshot[name] = checkCredentials(name, field(name));
    return snapshot;
  };
  const report = (snapshot: CredentialSnapshot<N>, reported: CredentialSnapshot<N> | undefined) => {
    for (const name of names) {
      const problems = snapshot[name].problems;
      if (problems.join('\n') !== reported?.[name].problems.join('\n') && problems.length > 0) {
        onProblem(`credential field ${name} has problems`, { field: name, problems });
      }
    }
  };

  const secretIds = [...new Set(names.map((name) => env[`${name}_SECRET_ID`]))];
  const [secretId] = secretIds;
  if (secretId === undefined || secretIds.length > 1) {
    if (secretIds.length > 1) {
      throw new ConfigError('every credential field must come from one stage secret');
    }
    const fixed = check((name) => env[name] ?? '');
    report(fixed, undefined);
    return async () => fixed;
  }

  const unread = check(() => undefined);
  let current: CredentialSnapshot<N> | undefined;
  let nextReadAt = 0;
  let reading: Promise<CredentialSnapshot<N>> | undefined;

  const refresh = async (): Promise<CredentialSnapshot<N>> => {
    let text: unknown;
    try {
      text = await read(secretId, maxAgeSeconds);
    } catch (error) {
      nextReadAt = clock() + SECRET_RETRY_AFTER_FAILURE_MS;
      onProblem(
        current
          ? 'could not read the stage secret; keeping the last values read'
          : 'could not read the stage secret; no credential is usable until it can be read',
        { secretId, error: error instanceof Error ? error.name : 'unknown' },
      );
      return current ?? unread;
    }
    let secret: StageSecret;
    try {
      secret = parseStageSecret(text, secretId);
    } catch (error) {
      secret = {};
      onProblem(String((error as Error).message), { secretId });
    }
    const next = check((name) => secret[name]);
    report(next, current);
    current = next;
    nextReadAt = clock() + maxAgeSeconds * 1000;
    return next;
  };

  return async () => {
    if (clock() < nextReadAt) return current ?? unread;
    reading ??= refresh().finally(() => {
      reading = undefined;
    });
    return reading;
  };
};

const positiveFromEnv = (fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.toNumber(), v.gtValue(0, 'must be a positive number')),
    String(fallback),
  );

/**
 * How long quarantine is kept (`QUARANTINE_DAYS`) and how far ahead of its reception an event
 * may be dated (`FUTURE_SKEW_HOURS`): the processor and the replay route read both.
 */
export const PolicyEnvSchema = v.object({
  QUARANTINE_DAYS: positiveFromEnv(DEFAULT_QUARANTINE_DAYS),
  FUTURE_SKEW_HOURS: positiveFromEnv(DEFAULT_FUTURE_SKEW_HOURS),
});

export const policyFromEnv = (env: v.InferOutput<typeof PolicyEnvSchema>) => ({
  quarantineDays: env.QUARANTINE_DAYS,
  futureSkewMs: env.FUTURE_SKEW_HOURS * 3_600_000,
});
