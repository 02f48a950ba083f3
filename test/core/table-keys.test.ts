import { describe, expect, it } from 'vitest';
import {
  historyKey,
  integrationIdOf,
  integrationKey,
  noticeKey,
  quarantineKey,
  SLACK_PACE_KEY,
  slackPostedKey,
  stuckPendingKey,
} from '../../functions/definitions/table-keys.ts';

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
    expect(stuckPendingKey('i-1', 'd#t')).toEqual({
      pk: 'STUCK_PENDING#i-1#d#t',
      sk: 'STUCK_PENDING',
    });
    expect(SLACK_PACE_KEY).toEqual({ pk: 'SLACK#PACE', sk: 'SLACK' });
    expect(slackPostedKey('k')).toEqual({ pk: 'SLACK#k', sk: 'SLACK' });
  });

  it('reads the integration id back from its partition key', () => {
    expect(integrationIdOf(integrationKey('INTEGRATION#x').pk)).toBe('INTEGRATION#x');
  });
});
