import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alertGroupPk,
  alertHeadKey,
  alertIncidentKey,
  alertIncidentPrefix,
  alertMessageKey,
  historyKey,
  integrationIdOf,
  integrationKey,
  noticeKey,
  paceKey,
  quarantineKey,
} from '../../functions/definitions/table-keys.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const shortHash = (text: string) => createHash('sha256').update(text).digest('base64url');

// Written out by hand on purpose: deployed tables hold items under these keys, so a change of
// layout must be a decision, never a side effect of editing a helper.
describe('table key layout', () => {
  it('keeps every key shape of the deployed table', () => {
    expect(integrationKey('i-1')).toEqual({ pk: 'INTEGRATION#i-1', sk: 'STATE' });
    expect(historyKey('i-1', '2024-06-10T09:00:00.000Z#t')).toEqual({
      pk: 'INTEGRATION#i-1',
      sk: 'EVENT#2024-06-10T09:00:00.000Z#t',
    });
    expect(quarantineKey('abc')).toEqual({ pk: 'QUARANTINE#abc', sk: 'QUARANTINE' });
    expect(noticeKey('abc')).toEqual({ pk: 'NOTICE#abc', sk: 'NOTICE' });
    expect(alertHeadKey('integration-errored|org|fs')).toEqual({
      pk: 'ALERT#integration-errored|org|fs',
      sk: 'HEAD',
    });
    expect(alertIncidentKey('g', 'i-1', 'k')).toEqual({
      pk: 'ALERT#g',
      sk: `INC#${shortHash('i-1')}#${shortHash('k')}`,
    });
    expect(alertIncidentKey('g', undefined, 'k')).toEqual({
      pk: 'ALERT#g',
      sk: `INC#${shortHash('')}#${shortHash('k')}`,
    });
    expect(alertIncidentPrefix('i-1')).toBe(`INC#${shortHash('i-1')}#`);
    expect(alertMessageKey('g', 42)).toEqual({ pk: 'ALERT#g', sk: 'MSG#0000000042' });
    expect(paceKey('email')).toEqual({ pk: 'PACE#email', sk: 'PACE' });
    expect(paceKey('slack')).toEqual({ pk: 'PACE#slack', sk: 'PACE' });
  });

  it('hashes group keys too long for a partition key, counting UTF-8 bytes', () => {
    const fits = 'é'.repeat(512);
    expect(alertGroupPk(fits)).toBe(`ALERT#${fits}`);
    const long = 'é'.repeat(513);
    expect(alertGroupPk(long)).toBe(`ALERT#sha256:${sha256(long)}`);
    for (const groupKey of [fits, long, 'x'.repeat(5_000)]) {
      expect(Buffer.byteLength(alertGroupPk(groupKey), 'utf8')).toBeLessThanOrEqual(2_048);
    }
  });

  it('never lets a readable group key pass for a hashed one', () => {
    const long = 'x'.repeat(2_000);
    const lookalike = alertGroupPk(long).slice('ALERT#'.length);
    expect(alertGroupPk(lookalike)).not.toBe(alertGroupPk(long));
  });

  it('keeps alert sort keys short and ordered by message number', () => {
    const incident = alertIncidentKey('g', 'i'.repeat(2_000), 'k'.repeat(2_000));
    expect(incident.sk).toHaveLength('INC#'.length + 43 + '#'.length + 43);
    const messages = [9, 10, 100, 2].map((seq) => alertMessageKey('g', seq).sk);
    expect([...messages].sort()).toEqual(
      [2, 9, 10, 100].map((seq) => alertMessageKey('g', seq).sk),
    );
  });

  it('reads the integration id back from its partition key', () => {
    expect(integrationIdOf(integrationKey('INTEGRATION#x').pk)).toBe('INTEGRATION#x');
  });
});
