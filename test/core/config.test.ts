import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadCredentialList,
  parseEnv,
  parseList,
  parseSecretList,
  TableEnvSchema,
  TopicEnvSchema,
} from '../../functions/config.ts';

describe('parseList', () => {
  it('splits on commas and drops blanks', () => {
    expect(parseList(' a, b,,c ,')).toEqual(['a', 'b', 'c']);
    expect(parseList(undefined)).toEqual([]);
  });
});

describe('parseSecretList', () => {
  it('reads a JSON array or a comma-separated string', () => {
    expect(parseSecretList('["s1", " s2 "]')).toEqual(['s1', 's2']);
    expect(parseSecretList('s1,s2')).toEqual(['s1', 's2']);
  });

  it('fails clearly on a broken JSON array', () => {
    expect(() => parseSecretList('["s1",')).toThrow(ConfigError);
  });
});

describe('parseEnv', () => {
  it('names every missing variable', () => {
    expect(() =>
      parseEnv(v.object({ ...TableEnvSchema.entries, ...TopicEnvSchema.entries }), {}, 'processor'),
    ).toThrow(/processor configuration is invalid: TABLE_NAME is not set; TOPIC_ARN is not set/);
  });

  it('returns the parsed values', () => {
    expect(parseEnv(TableEnvSchema, { TABLE_NAME: 't' }, 'query')).toEqual({ TABLE_NAME: 't' });
  });
});

describe('loadCredentialList', () => {
  it('reads the plain variable when no secret id is set', async () => {
    await expect(
      loadCredentialList({ HAPPYCOLIS_SECRETS: 'a,b' }, 'HAPPYCOLIS_SECRETS'),
    ).resolves.toEqual(['a', 'b']);
    await expect(loadCredentialList({}, 'HAPPYCOLIS_SECRETS')).resolves.toEqual([]);
  });
});
