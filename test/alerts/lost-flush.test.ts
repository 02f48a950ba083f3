import { describe, expect, it } from 'vitest';
import { lostFlushAfterMs } from '../../functions/alerting/alert-groups.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { pipeline } from '../../functions/definitions/resources.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { crashing, createAlertSystem } from './alert-system.ts';

/**
 * A group's flush message fails every receive (the ledger is unreachable while it runs) and
 * SQS parks it in the DLQ. The group stays armed, so its incidents wait; the next incident
 * recorded after the flush is presumed lost arms the group again with a new flush, and one
 * message lists every incident of the group.
 */

const START = Date.parse('2026-11-23T10:00:00.000Z');
const TIMING = { windowMs: 30_000, intervalMs: 300_000 };
const iso = (ms: number) => new Date(ms).toISOString();
const idOf = (index: number) => `lost-${String(index).padStart(3, '0')}`;

const errored = (index: number, at: number): QueueMessage => ({
  kind: 'webhook',
  receivedAt: iso(at),
  webhook: envelope(
    lifecycleEvent('errored', { id: idOf(index), date: iso(at), messageId: `e-${index}` }),
  ),
});

/** Every integration id an email lists. */
const idsIn = (text: string): string[] => [...new Set(text.match(/lost-\d{3}/g) ?? [])].sort();

describe('an alert group whose flush dead-lettered', () => {
  it('is armed again by its next incident, and one message lists every incident', async () => {
    const system = createAlertSystem({
      start: new Date(START),
      timing: TIMING,
      maxReceiveCount: pipeline.maxReceiveCount,
      prepare: ({ ledger }) => {
        crashing(ledger, 'beginFlush', { when: 'before', times: pipeline.maxReceiveCount });
      },
    });

    for (let i = 0; i < 3; i++) await system.send(errored(i, START + i * 1_000));
    await system.runUntil(START + 12 * 60_000);
    const parked = system.deadLetters().map((body) => (JSON.parse(body) as QueueMessage).kind);
    expect(parked).toEqual(['alert-flush']);
    expect(system.publisher.emails()).toHaveLength(0);

    // Before the flush can be presumed lost, a new incident only waits with the others.
    const early = START + lostFlushAfterMs(TIMING) - 60_000;
    expect(early).toBeGreaterThan(system.now());
    system.advance(early - system.now());
    await system.send(errored(3, system.now()));
    await system.runUntil(early + 60_000 - 1);
    expect(system.publisher.emails()).toHaveLength(0);

    // Once it is, the next incident sends a new flush.
    system.advance(START + lostFlushAfterMs(TIMING) + 1_000 - system.now());
    await system.send(errored(4, system.now()));
    await system.runUntil(system.now() + 10 * 60_000);

    const emails = system.publisher.emails();
    expect(emails).toHaveLength(1);
    expect(idsIn(emails[0]?.text ?? '')).toEqual([0, 1, 2, 3, 4].map(idOf));
    expect(system.posts).toHaveLength(1);
    expect(system.deadLetters()).toHaveLength(1);
  });

  it('is not armed twice while its flush may still run', () => {
    // Longer than a delayed flush's every receive before the DLQ, plus a lease.
    const receives = pipeline.maxReceiveCount * pipeline.visibilityTimeoutSeconds * 1000;
    expect(lostFlushAfterMs(TIMING)).toBeGreaterThan(TIMING.intervalMs + receives);
    expect(lostFlushAfterMs({ windowMs: 900_000, intervalMs: 60_000 })).toBeGreaterThan(
      900_000 + receives,
    );
  });
});
