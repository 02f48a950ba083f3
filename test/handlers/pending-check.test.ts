import * as v from 'valibot';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alerts.ts';
import type { IntegrationEvent, LifecycleStep } from '../../functions/core/events.ts';
import { eventKey, resultingState } from '../../functions/core/state.ts';
import {
  createPendingCheck,
  PendingCheckError,
  PendingTimeoutSchema,
  RUN_LEASE_MS,
} from '../../functions/pending-check/pending-check.ts';
import { lifecycleEvent } from '../support/events.ts';
import { createTwins, type Twins } from '../twins/index.ts';

const NOW = new Date('2024-06-11T10:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

let twins: Twins;

beforeEach(() => {
  twins = createTwins();
});

/** Every alert the check published so far. */
const published = (): Alert[] => twins.alerts.published();

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
    { owesAlert: false, recordedAt: NOW.toISOString(), expiresAt: 0 },
  );
  await twins.store.applyEvent(event, NOW);
};

const check = (now = NOW) =>
  createPendingCheck({
    integrations: twins.store,
    pending: twins.pending,
    alerts: twins.alerts,
    clock: () => now,
    timeoutHours: 24,
  });

/** The integrations the sparse `pending` index holds now. */
const indexed = async (): Promise<string[]> => twins.pending.indexed();

describe('pending check', () => {
  it('alerts once for an integration pending past the threshold, and clears those that moved on', async () => {
    await apply('stuck', 'created', hoursAgo(25));
    await apply('accepted', 'created', hoursAgo(25));
    await apply('accepted', 'accepted', hoursAgo(24.5));
    await apply('rejected', 'created', hoursAgo(30));
    await apply('rejected', 'rejected', hoursAgo(29));
    // Accepted first, its `created` arriving late: the late write re-enters the index.
    await apply('late-created', 'accepted', hoursAgo(25.5));
    await apply('late-created', 'created', hoursAgo(26));
    await apply('recent', 'created', hoursAgo(1));

    const summary = await check()();
    expect(summary).toEqual({ examined: 4, alerted: 1, alreadyAlerted: 0, cleared: 3, failed: 0 });
    expect(published()).toHaveLength(1);
    expect(published()[0]).toMatchObject({
      kind: 'integration-stuck-pending',
      severity: 'warning',
      incidentKey: `stuck|stuck-pending|${hoursAgo(25)}`,
      integration: { id: 'stuck', state: 'PENDING', stateSince: hoursAgo(25) },
    });
    expect(JSON.stringify(published())).not.toContain('tok_SECRET_123');
    expect(await indexed()).toEqual(['recent', 'stuck']);

    const again = await check()();
    expect(again).toEqual({ examined: 1, alerted: 0, alreadyAlerted: 1, cleared: 0, failed: 0 });
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

  it('sends an alert owed by a run that failed to publish, once', async () => {
    await apply('stuck', 'created', hoursAgo(25));
    twins.alerts.faults.failNext('publish', { error: new Error('SNS unavailable') });
    await expect(check()()).rejects.toBeInstanceOf(PendingCheckError);
    expect(published()).toHaveLength(0);

    // A run overlapping the failed one leaves the owed alert to it…
    expect((await check()()).alerted).toBe(0);
    // …and once no run can still be sending it, the next run does.
    const later = new Date(NOW.getTime() + RUN_LEASE_MS + 1_000);
    expect((await check(later)()).alerted).toBe(1);
    expect((await check(later)()).alerted).toBe(0);
    expect(published()).toHaveLength(1);
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
