import { describe, expect, it } from 'vitest';
import type { SlackPostLedger } from '../../functions/core/ports.ts';
import { NOW, uniqueId } from './support.ts';

/** What every `SlackPostLedger` must do. */
export const describeSlackPostLedgerContract = (name: string, ledger: () => SlackPostLedger) =>
  describe(`SlackPostLedger contract: ${name}`, () => {
    it('remembers a post once', async () => {
      const key = uniqueId('incident');
      expect(await ledger().wasPosted(key)).toBe(false);
      expect(await ledger().markPosted(key, NOW)).toBe('marked');
      expect(await ledger().wasPosted(key)).toBe(true);
      expect(await ledger().markPosted(key, NOW)).toBe('exists');
    });

    it('tells long incident keys apart, even with a shared beginning', async () => {
      const prefix = `${uniqueId('incident')}|${'x'.repeat(600)}`;
      expect(await ledger().markPosted(`${prefix}|a`, NOW)).toBe('marked');
      expect(await ledger().wasPosted(`${prefix}|b`)).toBe(false);
      expect(await ledger().markPosted(`${prefix}|b`, NOW)).toBe('marked');
      expect(await ledger().wasPosted(`${prefix}|a`)).toBe(true);
    });
  });
