import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/clients.ts';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { DynamoPaceGate } from '../../functions/adapters/dynamo-pace-gate.ts';
import { putOnceOrCurrent } from '../../functions/adapters/put-once.ts';
import { idKeyLimits, storageProblems } from '../../functions/core/capacity.ts';
import { DYNAMODB_PARTITION_KEY_MAX_BYTES, utf8Bytes } from '../../functions/core/limits.ts';
import { historyEntryOf } from '../../functions/core/view.ts';
import { describeDynamoDbContracts } from '../contracts/dynamodb.ts';
import { NOW, TIMING, uniqueId } from '../contracts/support.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.ts';
import { lifecycleEvent } from '../support/events.ts';

/**
 * The DynamoDB adapters' contracts on AWS's own engine, DynamoDB Local, as on dynalite in
 * `contracts.test.ts`: where the two disagree, the adapters follow AWS.
 */

let engine: DynamoDbLocal;
beforeAll(async () => {
  engine = await startDynamoDbLocal();
}, 120_000);
afterAll(() => engine?.stop());

describeDynamoDbContracts('DynamoDB Local', () => ({
  document: engine.clients.document,
  tableName: engine.tableName,
}));

describe('what AWS does that dynalite does not, as the adapters rely on it', () => {
  /** Counts the calls the document client sends from here on. */
  const counting = () => {
    let calls = 0;
    const client = createDocumentClient(engine.clients.dynamodb);
    client.middlewareStack.add(
      (next) => (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize' },
    );
    return { client, calls: () => calls };
  };

  it('returns the item a put-once refused, so finding it costs no second read', async () => {
    const { client, calls } = counting();
    const item = { pk: uniqueId('once'), sk: 'ITEM', value: 7 };
    expect(await putOnceOrCurrent(client, engine.tableName, item)).toEqual({ status: 'recorded' });
    const before = calls();
    expect(await putOnceOrCurrent(client, engine.tableName, { ...item, value: 8 })).toEqual({
      status: 'exists',
      current: item,
    });
    expect(calls() - before).toBe(1);
  });

  it('tells a refused pace-gate claim the slot in the same call', async () => {
    const { client, calls } = counting();
    const gate = new DynamoPaceGate({ client, tableName: engine.tableName, channel: 'email' });
    const now = Date.now() + 10 * 3_600_000;
    expect(await gate.claim(new Date(now), 1_000)).toEqual({ granted: true });
    const before = calls();
    expect(await gate.claim(new Date(now + 10), 1_000)).toEqual({
      granted: false,
      nextPostAt: now + 1_000,
    });
    expect(calls() - before).toBe(1);
  });

  it('counts key sizes in UTF-8 bytes, index keys included: the storage check lets through what AWS stores, and no more', async () => {
    const store = new DynamoIntegrationStore({
      client: engine.clients.document,
      tableName: engine.tableName,
    });
    const date = '2024-06-10T09:00:00.000Z';
    const [tightest] = idKeyLimits(date);
    const budget = tightest?.idBudget ?? 0;
    // Two bytes per character (one odd byte of ASCII): dynalite, counting characters and no
    // index key, takes ids of up to 2,036 characters, over twice as many bytes.
    const unique = uniqueId('').slice(1);
    const twoByte = Math.floor((budget - 1 - unique.length) / 2);
    const longest = `${'é'.repeat(twoByte)}${unique}${'x'.repeat(budget - 1 - unique.length - 2 * twoByte)}`;
    const fits = lifecycleEvent('created', { id: `${longest}x`, date });
    expect(utf8Bytes(fits.body.id)).toBe(budget);
    expect(storageProblems({ kind: 'lifecycle', event: fits })).toEqual([]);
    expect(await store.applyEvent(fits, NOW)).toBeDefined();
    expect(
      await store.recordEvent(fits.body.id, historyEntryOf(fits, NOW.toISOString()), TIMING),
    ).toBe('recorded');

    const over = lifecycleEvent('created', { id: `${longest}é`, date });
    expect(storageProblems({ kind: 'lifecycle', event: over }).map((p) => p.path)).toEqual([
      'body.id',
    ]);
    await expect(store.applyEvent(over, NOW)).rejects.toThrow(/Size limit exceeded|key/i);
  });

  it('refuses an integration whose location id is over the by-location index partition key, as the storage check does', async () => {
    const store = new DynamoIntegrationStore({
      client: engine.clients.document,
      tableName: engine.tableName,
    });
    const event = (locationId: string) => {
      const base = lifecycleEvent('created', { id: uniqueId('long-location') });
      return { ...base, body: { ...base.body, locationId } };
    };
    const longest = event('L'.repeat(DYNAMODB_PARTITION_KEY_MAX_BYTES));
    expect(storageProblems({ kind: 'lifecycle', event: longest })).toEqual([]);
    expect(await store.applyEvent(longest, NOW)).toBeDefined();
    const over = event('L'.repeat(DYNAMODB_PARTITION_KEY_MAX_BYTES + 1));
    expect(storageProblems({ kind: 'lifecycle', event: over }).map((p) => p.path)).toEqual([
      'body.locationId',
    ]);
    await expect(store.applyEvent(over, NOW)).rejects.toThrow(/Size limit exceeded|key/i);
  });
});
