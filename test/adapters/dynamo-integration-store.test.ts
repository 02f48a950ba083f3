import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import {
  type IntegrationEvent,
  LIFECYCLE_STEPS,
  type LifecycleStep,
} from '../../functions/core/events.ts';
import {
  applyToRegisters,
  currentOf,
  eventIdentity,
  type Registers,
} from '../../functions/core/state.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { lifecycleEvent } from '../support/events.ts';

const at = (hour: number) => `2024-06-10T${String(hour).padStart(2, '0')}:00:00.000Z`;
const now = new Date('2024-06-12T00:00:00.000Z');
const timing = { recordedAt: now.toISOString(), expiresAt: 1 };

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

describe('applyEvent', () => {
  it('writes the register and returns the stored integration', async () => {
    const id = freshId();
    const stored = await store.applyEvent(lifecycleEvent('created', { id, date: at(9) }), now);
    expect(stored?.registers.created?.state).toBe('PENDING');
    expect(stored && currentOf(stored.registers)?.step).toBe('created');
    const item = await rawItem(id);
    expect(item).toMatchObject({ pendingShard: 'PENDING', pendingSince: at(9) });
  });

  it('refuses a duplicate and an older event of the same step', async () => {
    const id = freshId();
    const accepted = lifecycleEvent('accepted', { id, date: at(10) });
    expect(await store.applyEvent(accepted, now)).toBeDefined();
    expect(await store.applyEvent(accepted, now)).toBeUndefined();
    expect(
      await store.applyEvent(lifecycleEvent('accepted', { id, date: at(9) }), now),
    ).toBeUndefined();
  });

  it('keeps the token on the integration item only, and reports only that one is held', async () => {
    const id = freshId();
    const stored = await store.applyEvent(
      lifecycleEvent('accepted', { id, date: at(10), accessToken: 'tok_SECRET_123' }),
      now,
    );
    expect(stored?.hasAccessToken).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('tok_SECRET_123');
    expect((await rawItem(id))?.accessToken).toBe('tok_SECRET_123');
  });

  it('drops the token when the attempt is rejected', async () => {
    const id = freshId();
    await store.applyEvent(lifecycleEvent('accepted', { id, date: at(10) }), now);
    const stored = await store.applyEvent(lifecycleEvent('rejected', { id, date: at(9) }), now);
    expect(stored?.hasAccessToken).toBe(false);
    expect((await rawItem(id))?.accessToken).toBeUndefined();
    expect(stored && currentOf(stored.registers)?.register.state).toBe('INACTIVE');
  });

  it('freezes created and accepted once rejected, later or older alike', async () => {
    const id = freshId();
    await store.applyEvent(lifecycleEvent('rejected', { id, date: at(9) }), now);
    const later = await store.applyEvent(lifecycleEvent('accepted', { id, date: at(10) }), now);
    const older = await store.applyEvent(lifecycleEvent('accepted', { id, date: at(8) }), now);
    expect([later, older]).toEqual([undefined, undefined]);
    expect(
      await store.applyEvent(lifecycleEvent('errored', { id, date: at(10) }), now),
    ).toBeDefined();
  });

  it.each([
    ['accepted then rejected', ['accepted', 'rejected']],
    ['rejected then an older accepted', ['rejected', 'accepted']],
  ] as const)('holds no token after %s', async (_name, steps) => {
    const id = freshId();
    const dates = { accepted: at(10), rejected: at(11) };
    for (const step of steps) {
      await store.applyEvent(lifecycleEvent(step, { id, date: dates[step] }), now);
    }
    expect((await store.getIntegration(id))?.hasAccessToken).toBe(false);
    expect((await rawItem(id))?.accessToken).toBeUndefined();
  });
});

describe('recordEvent', () => {
  it('records an event once under its semantic identity', async () => {
    const id = freshId();
    const entry = {
      type: 'location/fulfillment_service_integration/errored',
      date: at(14),
      messageId: 'm1',
      webhookId: 'w1',
      receivedAt: now.toISOString(),
      key: `${at(14)}#3#m1`,
      state: 'ERROR' as const,
    };
    const options = { owesAlert: true, ...timing };
    expect(await store.recordEvent(id, entry, options)).toBe('recorded');
    expect(await store.recordEvent(id, { ...entry, messageId: 'm2' }, options)).toBe('exists');
    const { history } = await store.getIntegrationWithHistory(id);
    expect(history).toEqual([entry]);
  });

  it('tracks whether the alert a record owes was sent', async () => {
    const id = freshId();
    const ref = {
      kind: 'event',
      integrationId: id,
      eventId: eventIdentity({ date: at(1), type: 't' }),
    } as const;
    expect(await store.alertStatus(ref)).toEqual({ status: 'none' });
    await store.recordEvent(
      id,
      { type: 't', date: at(1), messageId: 'm', webhookId: 'w', receivedAt: now.toISOString() },
      { owesAlert: true, ...timing },
    );
    expect(await store.alertStatus(ref)).toEqual({ status: 'owed', recordedAt: timing.recordedAt });
    await store.markAlertSent(ref, now);
    expect(await store.alertStatus(ref)).toEqual({ status: 'sent' });
  });
});

describe('recordQuarantine and recordNotice', () => {
  it('record once and owe one alert', async () => {
    const ref = { kind: 'quarantine', id: 'q1' } as const;
    const record = {
      source: 'happycolis',
      receivedAt: now.toISOString(),
      errors: [],
      payload: '{}',
    };
    expect(await store.recordQuarantine(ref, record, timing)).toBe('recorded');
    expect(await store.recordQuarantine(ref, record, timing)).toBe('exists');
    expect((await store.alertStatus(ref)).status).toBe('owed');
    const notice = { kind: 'notice', id: 'n1' } as const;
    const content = { code: '500', endpoint: 'e', message: 'm', receivedAt: now.toISOString() };
    expect(await store.recordNotice(notice, content, timing)).toBe('recorded');
    expect(await store.recordNotice(notice, content, timing)).toBe('exists');
  });
});

describe('the store enforces the core rule (property, against dynalite)', () => {
  const arbitrary = fc.array(
    fc.record({
      step: fc.constantFrom<LifecycleStep>(...LIFECYCLE_STEPS),
      hour: fc.integer({ min: 0, max: 4 }),
      messageId: fc.constantFrom('a', 'b', '\u00e9', '\u{1f600}'),
    }),
    { minLength: 1, maxLength: 6 },
  );

  it('ends in the state the in-memory rule computes, whatever the order', async () => {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (specs) => {
        const id = freshId();
        const events: IntegrationEvent[] = specs.map(({ step, hour, messageId }) =>
          lifecycleEvent(step, { id, date: at(hour), messageId }),
        );
        let expected: Registers = {};
        for (const event of events) {
          const inMemory = applyToRegisters(expected, event);
          const stored = await store.applyEvent(event, now);
          expect(stored !== undefined).toBe(inMemory.applied);
          expected = inMemory.registers;
        }
        const stored = await store.getIntegration(id);
        expect(stored?.registers).toEqual(expected);
        expect(stored && currentOf(stored.registers)).toEqual(currentOf(expected));
      }),
      { numRuns: 60 },
    );
  });
});
