import { describe, expect, it } from 'vitest';
import { DynamoPaceGate } from '../../functions/adapters/dynamo-pace-gate.ts';
import type { AlertChannel } from '../../functions/core/ports.ts';
import type { DynamoTable } from './dynamodb.ts';

/** The pace gate on a DynamoDB engine: one slot per channel, shared by every container of it. */
export const describePaceGateContract = (name: string, table: () => DynamoTable) => {
  const gate = (channel: AlertChannel) =>
    new DynamoPaceGate({ client: table().document, tableName: table().tableName, channel });

  // Each test starts later than anything an earlier test left in the slots.
  let clock = Date.now();
  const start = () => {
    clock += 3_600_000;
    return clock;
  };

  describe(`DynamoPaceGate: ${name}`, () => {
    it('gives one slot per interval to the containers of one channel', async () => {
      const now = start();
      const [first, second] = [gate('slack'), gate('slack')];
      expect(await first.claim(new Date(now), 1_000)).toEqual({ granted: true });
      expect(await second.claim(new Date(now + 500), 1_000)).toEqual({
        granted: false,
        nextPostAt: now + 1_000,
      });
      expect(await second.claim(new Date(now + 1_000), 1_000)).toEqual({ granted: true });
      expect(await first.claim(new Date(now + 1_000), 1_000)).toEqual({
        granted: false,
        nextPostAt: now + 2_000,
      });
    });

    it('lets exactly one of many concurrent claimers of a channel have the slot', async () => {
      const now = new Date(start());
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => gate('email').claim(now, 100)),
      );
      expect(claims.filter((claim) => claim.granted)).toHaveLength(1);
    });

    it('keeps channels apart: a slot taken on one leaves the other free', async () => {
      const now = start();
      expect(await gate('slack').claim(new Date(now), 1_000)).toEqual({ granted: true });
      expect(await gate('email').claim(new Date(now), 100)).toEqual({ granted: true });
      expect(await gate('email').claim(new Date(now + 100), 100)).toEqual({ granted: true });
      expect(await gate('slack').claim(new Date(now + 100), 1_000)).toEqual({
        granted: false,
        nextPostAt: now + 1_000,
      });
    });

    it('holds a channel, and only that channel, to a Retry-After, never shortening it', async () => {
      const now = start();
      await gate('slack').deferUntil(new Date(now + 30_000));
      await gate('slack').deferUntil(new Date(now + 10_000));
      expect(await gate('slack').claim(new Date(now + 20_000), 1_000)).toEqual({
        granted: false,
        nextPostAt: now + 30_000,
      });
      expect(await gate('email').claim(new Date(now + 20_000), 100)).toEqual({ granted: true });
      expect(await gate('slack').claim(new Date(now + 30_000), 1_000)).toEqual({ granted: true });
    });
  });
};
