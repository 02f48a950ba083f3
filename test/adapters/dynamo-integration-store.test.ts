import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../../functions/adapters/dynamo-pending-store.ts';
import { dynamoItemBytes } from '../../functions/core/limits.ts';
import type { PendingEntry } from '../../functions/core/ports.ts';
import { integrationKey } from '../../functions/definitions/table-keys.ts';
import { drainLegacyPending, LEGACY_ATTRIBUTES } from '../../scripts/drain-legacy-pending.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { lifecycleEvent } from '../support/events.ts';

/**
 * What the DynamoDB items hold, beyond the port's contract (`test/adapters/contracts.test.ts`):
 * the index attributes, where the token lives, the compact registers, and how items earlier
 * versions wrote for the former `pending` index are drained.
 */

const at = (hour: number) => `2024-06-10T${String(hour).padStart(2, '0')}:00:00.000Z`;
const now = new Date('2024-06-12T00:00:00.000Z');

let aws: TestAws;
let store: DynamoIntegrationStore;
let ids = 0;
const freshId = () => `integration-${++ids}`;

beforeAll(async () => {
  aws = await startAws();
  store = new DynamoIntegrationStore({
    client: aws.clients.document,
    tableName: aws.resources.tableName,
  });
});
afterAll(() => aws?.stop());

const rawItem = async (id: string) =>
  (
    await aws.clients.document.send(
      new GetCommand({
        TableName: aws.resources.tableName,
        Key: integrationKey(id),
      }),
    )
  ).Item;

describe('the integration item', () => {
  it('writes no pending index entry on created: the state index lists it as PENDING', async () => {
    const id = freshId();
    await store.applyEvent(lifecycleEvent('created', { id, date: at(9) }), now);
    const item = await rawItem(id);
    expect(item).toMatchObject({
      stateShard: expect.stringMatching(/^PENDING#[0-9]+$/),
      listKey: `${at(9)}#${id}`,
    });
    expect(item).not.toHaveProperty('pendingShard');
    expect(item).not.toHaveProperty('pendingSince');
  });

  it('keeps the token on the integration item only', async () => {
    const id = freshId();
    await store.applyEvent(
      lifecycleEvent('accepted', { id, date: at(10), accessToken: 'tok_SECRET_123' }),
      now,
    );
    expect((await rawItem(id))?.accessToken).toBe('tok_SECRET_123');
  });

  it.each([
    ['accepted then rejected', ['accepted', 'rejected']],
    ['rejected then an older accepted', ['rejected', 'accepted']],
  ] as const)('holds no token attribute after %s', async (_name, steps) => {
    const id = freshId();
    const dates = { accepted: at(10), rejected: at(11) };
    for (const step of steps) {
      await store.applyEvent(lifecycleEvent(step, { id, date: dates[step] }), now);
    }
    expect((await rawItem(id))?.accessToken).toBeUndefined();
  });

  it('stays under one write unit with all four registers and a token', async () => {
    const id = 'r9s0t1u2-v3w4-5678-xyza-901234567890-size';
    for (const [step, hour] of [
      ['created', 9],
      ['accepted', 10],
      ['errored', 11],
      ['rejected', 12],
    ] as const) {
      await store.applyEvent(
        lifecycleEvent(step, {
          id,
          date: at(hour),
          messageId: `q8r9s0t1-u2v3-4567-wxyz-89012345678${hour}`,
          accessToken: 'fsi-sample-access-token-7f3c9a1e',
        }),
        now,
      );
    }
    const item = await rawItem(id);
    expect(Object.keys(item ?? {})).toEqual(
      expect.arrayContaining(['created', 'accepted', 'errored', 'rejected']),
    );
    expect(dynamoItemBytes(item ?? {})).toBeLessThan(1024);
    // Read back whole: date and messageId from the key, the ids from the item.
    expect((await store.getIntegration(id))?.registers.accepted).toMatchObject({
      date: at(10),
      messageId: 'q8r9s0t1-u2v3-4567-wxyz-8901234567810',
      organizationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      locationId: 'j1k2l3m4-n5o6-7890-pqrs-123456789012',
    });
  });

  it('keeps the ids of each register when a later event carries other ones', async () => {
    const id = freshId();
    await store.applyEvent(lifecycleEvent('created', { id, date: at(9) }), now);
    const moved = lifecycleEvent('accepted', { id, date: at(10) });
    await store.applyEvent(
      {
        ...moved,
        header: { ...moved.header, organizationId: 'org-2' },
        body: { ...moved.body, locationId: 'loc-2', scopes: ['fulfillment:read'] },
      },
      now,
    );
    const registers = (await store.getIntegration(id))?.registers;
    expect(registers?.created).toMatchObject({
      organizationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      locationId: 'j1k2l3m4-n5o6-7890-pqrs-123456789012',
    });
    expect(registers?.created?.scopes).toEqual([
      'fulfillment:read',
      'fulfillment:write',
      'inventory:read',
    ]);
    expect(registers?.accepted).toMatchObject({
      organizationId: 'org-2',
      locationId: 'loc-2',
      scopes: ['fulfillment:read'],
    });
  });
});

describe('items written when the former pending index existed', () => {
  const pendingOf = async (id: string): Promise<PendingEntry[]> => {
    const pending = new DynamoPendingStore({
      client: aws.clients.document,
      tableName: aws.resources.tableName,
    });
    const entries: PendingEntry[] = [];
    for await (const entry of pending.listPendingBefore(at(20))) {
      if (entry.integrationId === id) entries.push(entry);
    }
    return entries;
  };
  /** What earlier versions left: the former index's attributes, maybe no list view yet. */
  const makeLegacy = (id: string, withoutListView: boolean) =>
    aws.clients.document.send(
      new UpdateCommand({
        TableName: aws.resources.tableName,
        Key: integrationKey(id),
        UpdateExpression: `SET pendingShard = :shard, pendingSince = :since${
          withoutListView ? ' REMOVE #state, stateShard, listKey' : ''
        }`,
        ...(withoutListView ? { ExpressionAttributeNames: { '#state': 'state' } } : {}),
        ExpressionAttributeValues: { ':shard': 'PENDING#2', ':since': at(5) },
      }),
    );

  it('are listed again and lose the former attributes once drained, any number of times', async () => {
    const stuck = freshId();
    const listed = freshId();
    const movedOn = freshId();
    for (const id of [stuck, listed, movedOn]) {
      await store.applyEvent(lifecycleEvent('created', { id, date: at(5) }), now);
    }
    await store.applyEvent(lifecycleEvent('accepted', { id: movedOn, date: at(6) }), now);
    await makeLegacy(stuck, true);
    await makeLegacy(listed, false);
    await makeLegacy(movedOn, false);
    // The check reads the state index only: an item without a list view is invisible to it.
    expect(await pendingOf(stuck)).toEqual([]);

    const first = await drainLegacyPending(aws.clients.document, aws.resources.tableName);
    expect(first.found).toBeGreaterThanOrEqual(3);
    expect(first.listed).toBeGreaterThanOrEqual(1);
    expect(await pendingOf(stuck)).toEqual([{ integrationId: stuck, pendingSince: at(5) }]);
    expect(await pendingOf(listed)).toEqual([{ integrationId: listed, pendingSince: at(5) }]);
    expect(await pendingOf(movedOn)).toEqual([]);
    for (const id of [stuck, listed, movedOn]) {
      const item = await rawItem(id);
      for (const name of LEGACY_ATTRIBUTES) expect(item).not.toHaveProperty(name);
    }
    expect((await rawItem(movedOn))?.state).toBe('ACTIVE');

    const again = await drainLegacyPending(aws.clients.document, aws.resources.tableName);
    expect(again).toEqual({ found: 0, listed: 0 });
  });
});
