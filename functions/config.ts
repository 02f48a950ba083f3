import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as v from 'valibot';
import { ReceiverError } from './core/errors.ts';
import { parseJson } from './core/json.ts';

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
 * Reads a list of credentials: from Secrets Manager when `<name>_SECRET_ID` is set (the cloud),
 * else from the comma-separated `<name>` variable (a laptop).
 */
export const loadCredentialList = async (
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<string[]> => {
  const secretId = env[`${name}_SECRET_ID`];
  if (secretId) {
    const value = await getSecret(secretId);
    if (typeof value !== 'string') {
      throw new ConfigError(`secret ${secretId} (${name}) has no string value`);
    }
    return parseSecretList(value);
  }
  return parseList(env[name]);
};

export const TableEnvSchema = v.object({ TABLE_NAME: Required });
export const QueueEnvSchema = v.object({ QUEUE_URL: Required });
export const TopicEnvSchema = v.object({ TOPIC_ARN: Required });
