import * as v from 'valibot';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAlertGroups } from '../../functions/alerting/alert-groups.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import type { IntegrationEvent, LifecycleStep } from '../../functions/core/events.ts';
import { eventKey, resultingState } from '../../functions/core/state.ts';
import {
  createPendingCheck,
  PendingCheckError,
  PendingTimeoutSchema,
} from '../../functions/pending-check/pending-check.ts';
import { lifecycleEvent } from '../support/events.ts';
import { createTwins, type Twins } from '../twins/index.ts';

const NOW = new Date('2024-06-11T10:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

let twins: Twins;
/** Every incident the check recorded in the alert ledger so far (its alert goes out with its group). */
let recorded: Alert[];

beforeEach(() => {
  twins = createTwins({ clock: () => NOW });
  recorded = [];
});

const published = (): Alert[] => recorded;

/** Applies an event the way the processor does: history item and register write. */
const apply = async (id: string, step: LifecycleStep, date: string) => {
  const event: IntegrationEvent = lifecycleEvent(step, {
    id,
    date,
    messageId: `m-${step}`,
    accessToken: 'tok_SECRET_123',
  });
  await twins.store.recordEvent(
    id,
    {
      type: event.header.type,
      date,
      messageId: event.header.messageId,
      webhookId: event.header.webhookId,
      receivedAt: NOW.toISOString(),
      key: eventKey(event),
      state: resultingState(event),
    },
    { recordedAt: NOW.toISOString(), expiresAt: 0 },
  );
  await twins.store.applyEvent(event, NOW);
};

const check = (now = NOW) => {
  const groups = createAlertGroups({
    ledger: twins.ledger,
    queue: twins.queue,
    clock: () => now,
    timing: { windowMs: 30_000, intervalMs: 300_000 },
  });
  return createPendingCheck({
    integrations: twins.store,
    pending: twins.pending,
    owe: async (alert) => {
      const result = await groups.owe(alert);
      if (result === 'recorded') recorded.push(alert);
      return result;
    },
    clock: () => now,
    timeoutHours: 24,
  });
};

/** The integrations the check would list now, whatever their age. */
const indexed = async (): Promise<string[]> => twins.pending.indexed();

describe('pending check', () => {
  it('alerts once for an integration pending past the threshold, and never examines those that moved on', async () => {
    await apply('stuck', 'created', hoursAgo(25));
    await apply('accepted', 'created', hoursAgo(25));
    await apply('accepted', 'accepted', hoursAgo(24.5));
    await apply('rejected', 'created', hoursAgo(30));
    await apply('rejected', 'rejected', hoursAgo(29));
    // Accepted first, its `created` arriving late: written, but ACTIVE still decides the state.
    await apply('late-created', 'accepted', hoursAgo(25.5));
    await apply('late-created', 'created', hoursAgo(26));
    await apply('recent', 'created', hoursAgo(1));

    const summary = await check()();
    expect(summary).toEqual({ examined: 1, alerted: 1, alreadyAlerted: 0, failed: 0 });
    expect(published()).toHaveLength(1);
    // One flush of the stuck-PENDING group is on its way, after the group window.
    expect(twins.queue.receiveDue(new Date(NOW.getTime() + 30_000))).toMatchObject([
      { kind: 'alert-flush', notBefore: new Date(NOW.getTime() + 30_000).toISOString() },
    ]);
    expect(published()[0]).toMatchObject({
      kind: 'integration-stuck-pending',
      severity: 'warning',
      incidentKey: `stuck|stuck-pending|${hoursAgo(25)}`,
      integration: { id: 'stuck', state: 'PENDING', stateSince: hoursAgo(25) },
    });
    expect(JSON.stringify(published())).not.toContain('tok_SECRET_123');
    expect(await indexed()).toEqual(['recent', 'stuck']);

    const again = await check()();
    expect(again).toEqual({ examined: 1, alerted: 0, alreadyAlerted: 1, failed: 0 });
    expect(published()).toHaveLength(1);
  });

  it('alerts again only for a new created event of the same integration', async () => {
    await apply('stuck', 'created', hoursAgo(50));
    await check()();
    await apply('stuck', 'created', hoursAgo(26));
    await check()();
    await check()();
    expect(published().map((alert) => alert.incidentKey)).toEqual([
      `stuck|stuck-pending|${hoursAgo(50)}`,
      `stuck|stuck-pending|${hoursAgo(26)}`,
    ]);
  });

  it('completes on the next run what a failed run left undone, once', async () => {
    await apply('stuck', 'created', hoursAgo(25));
    // The ledger write fails: nothing recorded, the run fails so it is seen.
    twins.ledger.faults.failNext('record', { error: new Error('DynamoDB unavailable') });
    await expect(check()()).rejects.toBeInstanceOf(PendingCheckError);
    expect(published()).toHaveLength(0);
    // Recorded, but the group's flush could not be queued: the next run schedules it.
    twins.queue.faults.failNext('send', { error: new Error('SQS unavailable') });
    await expect(check()()).rejects.toBeInstanceOf(PendingCheckError);
    expect(twins.queue.depth).toBe(0);
    // The incident was recorded by the failed run: this one finds it, pending, and queues it.
    expect(await check()()).toMatchObject({ alerted: 0, alreadyAlerted: 1, failed: 0 });
    expect(twins.queue.receive().map((message) => message.kind)).toEqual(['alert-flush']);
    expect(await check()()).toMatchObject({ alerted: 0, alreadyAlerted: 1, failed: 0 });
    expect(twins.queue.depth).toBe(0);
  });

  it('does not alert an integration that was accepted before the check ran', async () => {
    await apply('quick', 'created', hoursAgo(48));
    await apply('quick', 'accepted', hoursAgo(47));
    const summary = await check()();
    expect(summary.alerted).toBe(0);
    expect(published()).toHaveLength(0);
    expect(await indexed()).toEqual([]);
  });
});

describe('PENDING_TIMEOUT_HOURS', () => {
  it('accepts positive hours and refuses anything else', () => {
    expect(v.parse(PendingTimeoutSchema, { PENDING_TIMEOUT_HOURS: '36' })).toEqual({
      PENDING_TIMEOUT_HOURS: 36,
    });
    expect(v.parse(PendingTimeoutSchema, { PENDING_TIMEOUT_HOURS: '0.5' })).toEqual({
      PENDING_TIMEOUT_HOURS: 0.5,
    });
    expect(v.parse(PendingTimeoutSchema, {})).toEqual({});
    for (const bad of ['0', '-1', 'a day', '']) {
      expect(v.is(PendingTimeoutSchema, { PENDING_TIMEOUT_HOURS: bad }), bad).toBe(false);
    }
  });
});
