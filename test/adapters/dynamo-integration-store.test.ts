import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { lifecycleEvent } from '../support/events.ts';

/**
 * What the DynamoDB items hold, beyond the port's contract (`test/adapters/contracts.test.ts`):
 * the sparse index attributes and where the token lives.
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
        Key: { pk: `INTEGRATION#${id}`, sk: 'STATE' },
      }),
    )
  ).Item;

describe('the integration item', () => {
  it('enters the sparse pending index on created', async () => {
    const id = freshId();
    await store.applyEvent(lifecycleEvent('created', { id, date: at(9) }), now);
    expect(await rawItem(id)).toMatchObject({
      pendingShard: expect.stringMatching(/^PENDING#[0-9]+$/),
      pendingSince: at(9),
    });
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
});
