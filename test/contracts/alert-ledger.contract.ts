import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alerts.ts';
import type { AlertLedger, MessageRef } from '../../functions/core/ports.ts';
import { at, NOW, TIMING, uniqueId } from './support.ts';

/**
 * An errored-integration alert; `padding` random characters of facts make it as large as needed,
 * stored compressed or not.
 */
const anAlert = (options: {
  readonly incidentKey?: string;
  readonly integrationId?: string | null;
  readonly occurredAt?: string;
  readonly padding?: number;
}): Alert => {
  const integrationId =
    options.integrationId === undefined ? uniqueId('integration') : options.integrationId;
  return {
    version: 1,
    kind: 'integration-errored',
    severity: 'critical',
    incidentKey: options.incidentKey ?? uniqueId('incident'),
    occurredAt: options.occurredAt ?? at(9),
    organizationId: 'org-1',
    title: 'Integration errored',
    summary: 'The fulfillment service reported an error.',
    ...(integrationId === null
      ? {}
      : {
          integration: {
            id: integrationId,
            organizationId: 'org-1',
            locationId: 'location-1',
            fulfillmentServiceId: 'service-1',
            state: 'ERROR' as const,
            stateSince: options.occurredAt ?? at(9),
            recentHistory: [{ type: 'errored', date: at(9), messageId: 'm-1', outcome: 'applied' }],
          },
        }),
    facts: [
      {
        label: 'detail',
        value: randomBytes(options.padding ?? 0)
          .toString('base64')
          .slice(0, options.padding ?? 0),
      },
    ],
    actions: ['Reassign in-flight orders.'],
  };
};

const keys = (alerts: readonly Alert[]) => alerts.map((alert) => alert.incidentKey);
const later = (ms: number) => new Date(NOW.getTime() + ms);
const LEASE = 60_000;

/** What a harness can tell of an implementation beyond the port. */
export interface AlertLedgerProbes {
  /** How many read pages a full read of the group's partition takes, where reads are paged. */
  readonly readPages?: (groupKey: string) => Promise<number>;
}

/** What every `AlertLedger` must do. */
export const describeAlertLedgerContract = (
  name: string,
  ledger: () => AlertLedger,
  probes: AlertLedgerProbes = {},
) =>
  describe(`AlertLedger contract: ${name}`, () => {
    const group = () => uniqueId('integration-errored|org-1|service-1');

    it('records an incident once and tells where a repeat stands', async () => {
      const groupKey = group();
      const alert = anAlert({});
      expect(await ledger().record(groupKey, alert, TIMING)).toEqual({ status: 'recorded' });
      expect(await ledger().record(groupKey, alert, TIMING)).toEqual({
        status: 'exists',
        state: 'pending',
      });
      await ledger().collect({ groupKey, seq: 1 }, { assign: true });
      expect(await ledger().record(groupKey, alert, TIMING)).toEqual({
        status: 'exists',
        state: 'reported',
      });
      await ledger().resolve(groupKey, alert.integration?.id ?? '', {
        eventId: 'e-1',
        at: NOW,
      });
      expect(await ledger().record(groupKey, alert, TIMING)).toEqual({
        status: 'exists',
        state: 'resolved',
      });
    });

    it('keeps the same incident apart in two groups', async () => {
      const alert = anAlert({});
      const [first, second] = [group(), group()] as [string, string];
      expect(await ledger().record(first, alert, TIMING)).toEqual({ status: 'recorded' });
      expect(await ledger().record(second, alert, TIMING)).toEqual({ status: 'recorded' });
      expect(keys(await ledger().collect({ groupKey: second, seq: 1 }, { assign: true }))).toEqual([
        alert.incidentKey,
      ]);
      expect(await ledger().record(first, alert, TIMING)).toEqual({
        status: 'exists',
        state: 'pending',
      });
    });

    it('gives back the alert as recorded', async () => {
      const groupKey = group();
      const alert = anAlert({ padding: 100 });
      const bare = anAlert({ integrationId: null });
      await ledger().record(groupKey, alert, TIMING);
      await ledger().record(groupKey, bare, TIMING);
      const collected = await ledger().collect({ groupKey, seq: 1 }, { assign: true });
      expect(collected).toHaveLength(2);
      expect(collected).toContainEqual(alert);
      expect(collected).toContainEqual(bare);
    });

    it('starts a group unarmed at message 0, and arms it once', async () => {
      const groupKey = group();
      expect(await ledger().head(groupKey)).toEqual({ armed: false, seq: 0 });
      expect(await ledger().arm(groupKey, NOW)).toBe('armed');
      expect(await ledger().arm(groupKey, NOW)).toBe('already');
      expect(await ledger().head(groupKey)).toEqual({
        armed: true,
        armedAt: NOW.getTime(),
        seq: 0,
      });
    });

    it('arms an armed group again only when it was armed before `lostBefore`', async () => {
      const groupKey = group();
      const later = new Date(NOW.getTime() + 60_000);
      await ledger().arm(groupKey, NOW);
      // Armed at NOW: not lost as long as `lostBefore` is not after it.
      expect(await ledger().arm(groupKey, later, NOW)).toBe('already');
      expect((await ledger().head(groupKey)).armedAt).toBe(NOW.getTime());
      // Armed before `lostBefore`: its flush is presumed lost, the group is armed anew.
      expect(await ledger().arm(groupKey, later, new Date(NOW.getTime() + 1))).toBe('armed');
      expect(await ledger().head(groupKey)).toEqual({
        armed: true,
        armedAt: later.getTime(),
        seq: 0,
      });
      // A flush begun clears it whatever the age.
      await ledger().beginFlush(groupKey, later, LEASE);
      expect(await ledger().head(groupKey)).toEqual({ armed: false, seq: 0 });
    });

    it('disarms the group when a flush begins, so a new incident arms it again', async () => {
      const groupKey = group();
      await ledger().arm(groupKey, NOW);
      expect(await ledger().beginFlush(groupKey, NOW, LEASE)).toEqual({ armed: false, seq: 0 });
      expect((await ledger().head(groupKey)).armed).toBe(false);
      expect(await ledger().arm(groupKey, NOW)).toBe('armed');
    });

    it('lets one flusher at a time hold a group, until its lease ends', async () => {
      const groupKey = group();
      expect(await ledger().beginFlush(groupKey, NOW, LEASE)).toEqual({ armed: false, seq: 0 });
      expect(await ledger().beginFlush(groupKey, later(LEASE - 1), LEASE)).toBe('busy');
      expect(await ledger().beginFlush(groupKey, later(LEASE), LEASE)).toBe('busy');
      expect(await ledger().beginFlush(groupKey, later(LEASE + 1), LEASE)).toEqual({
        armed: false,
        seq: 0,
      });
    });

    it('opens and closes numbered messages, and releases the lease on close', async () => {
      const groupKey = group();
      await ledger().beginFlush(groupKey, NOW, LEASE);
      await ledger().open({ groupKey, seq: 1 }, NOW);
      expect(await ledger().head(groupKey)).toEqual({
        armed: false,
        seq: 1,
        open: 1,
        lastFlushAt: NOW.getTime(),
      });
      // A crashed flush leaves message 1 open: the next flusher sees it, after the lease.
      expect(await ledger().beginFlush(groupKey, later(1), LEASE)).toBe('busy');
      expect(await ledger().beginFlush(groupKey, later(LEASE + 1), LEASE)).toEqual({
        armed: false,
        seq: 1,
        open: 1,
        lastFlushAt: NOW.getTime(),
      });
      await ledger().close({ groupKey, seq: 1 });
      expect(await ledger().head(groupKey)).toEqual({
        armed: false,
        seq: 1,
        lastFlushAt: NOW.getTime(),
      });
      expect(await ledger().beginFlush(groupKey, later(LEASE + 2), LEASE)).toEqual({
        armed: false,
        seq: 1,
        lastFlushAt: NOW.getTime(),
      });
    });

    it('leaves a later open message open when an earlier one is closed', async () => {
      const groupKey = group();
      await ledger().open({ groupKey, seq: 2 }, NOW);
      await ledger().close({ groupKey, seq: 1 });
      expect((await ledger().head(groupKey)).open).toBe(2);
    });

    it('releases the lease with endFlush when there was nothing to send', async () => {
      const groupKey = group();
      await ledger().beginFlush(groupKey, NOW, LEASE);
      await ledger().endFlush(groupKey);
      expect(await ledger().beginFlush(groupKey, later(1), LEASE)).toEqual({
        armed: false,
        seq: 0,
      });
      // A group that never had a head has nothing to release, and gets none.
      const fresh = group();
      await ledger().endFlush(fresh);
      await ledger().close({ groupKey: fresh, seq: 1 });
      expect(await ledger().head(fresh)).toEqual({ armed: false, seq: 0 });
    });

    it('assigns pending incidents to a message, oldest first, skipping resolved ones', async () => {
      const groupKey = group();
      const late = anAlert({ incidentKey: uniqueId('b'), occurredAt: at(11) });
      const early = anAlert({ occurredAt: at(8) });
      const sameTimeA = anAlert({ incidentKey: `a-${uniqueId('x')}`, occurredAt: at(10) });
      const sameTimeB = anAlert({ incidentKey: `b-${uniqueId('x')}`, occurredAt: at(10) });
      const resolved = anAlert({ occurredAt: at(7) });
      for (const alert of [late, sameTimeB, early, resolved, sameTimeA]) {
        await ledger().record(groupKey, alert, TIMING);
      }
      // Resolved before it was reported: marked, never listed, never returned as resolved.
      expect(
        await ledger().resolve(groupKey, resolved.integration?.id ?? '', {
          eventId: 'e-1',
          at: NOW,
        }),
      ).toEqual([]);
      const first = await ledger().collect({ groupKey, seq: 1 }, { assign: true });
      expect(keys(first)).toEqual(keys([early, sameTimeA, sameTimeB, late]));
    });

    it('finds what an earlier attempt assigned, and gives later incidents to the next message', async () => {
      const groupKey = group();
      const [a, b, c] = [
        anAlert({ occurredAt: at(1) }),
        anAlert({ occurredAt: at(2) }),
        anAlert({ occurredAt: at(3) }),
      ] as [Alert, Alert, Alert];
      await ledger().record(groupKey, a, TIMING);
      await ledger().record(groupKey, b, TIMING);
      expect(keys(await ledger().collect({ groupKey, seq: 1 }, { assign: true }))).toEqual(
        keys([a, b]),
      );
      await ledger().record(groupKey, c, TIMING);
      // A retry of message 1 (its flush crashed) finds the same incidents, with or without assign.
      expect(keys(await ledger().collect({ groupKey, seq: 1 }, { assign: false }))).toEqual(
        keys([a, b]),
      );
      expect(keys(await ledger().collect({ groupKey, seq: 2 }, { assign: false }))).toEqual([]);
      expect(keys(await ledger().collect({ groupKey, seq: 2 }, { assign: true }))).toEqual(
        keys([c]),
      );
      expect(keys(await ledger().collect({ groupKey, seq: 1 }, { assign: true }))).toEqual(
        keys([a, b]),
      );
      expect(keys(await ledger().collect({ groupKey, seq: 3 }, { assign: true }))).toEqual([]);
    });

    it('drops an incident resolved after it was assigned from a retried message', async () => {
      const groupKey = group();
      const [kept, recovered] = [anAlert({ occurredAt: at(1) }), anAlert({ occurredAt: at(2) })];
      await ledger().record(groupKey, kept as Alert, TIMING);
      await ledger().record(groupKey, recovered as Alert, TIMING);
      await ledger().collect({ groupKey, seq: 1 }, { assign: true });
      await ledger().resolve(groupKey, recovered?.integration?.id ?? '', {
        eventId: 'e-1',
        at: NOW,
      });
      expect(keys(await ledger().collect({ groupKey, seq: 1 }, { assign: true }))).toEqual(
        keys([kept as Alert]),
      );
    });

    it('collects a group larger than one read page (300 incidents of ~4.5 KB, > 1 MB)', async () => {
      const groupKey = group();
      const alerts = Array.from({ length: 300 }, (_, index) =>
        anAlert({
          incidentKey: `incident-${String(index).padStart(3, '0')}`,
          occurredAt: at(9),
          // Random base64 compresses to about 3/4: still over 1 MB stored.
          padding: 4_500,
        }),
      );
      expect(JSON.stringify(alerts).length).toBeGreaterThan(1_048_576 * 1.25);
      for (let start = 0; start < alerts.length; start += 25) {
        await Promise.all(
          alerts.slice(start, start + 25).map((alert) => ledger().record(groupKey, alert, TIMING)),
        );
      }
      // Where reads are paged, the group must really span pages for this test to mean anything.
      if (probes.readPages) expect(await probes.readPages(groupKey)).toBeGreaterThan(1);
      const collected = await ledger().collect({ groupKey, seq: 1 }, { assign: true });
      expect(keys(collected)).toEqual(keys(alerts));
      expect(await ledger().record(groupKey, alerts[299] as Alert, TIMING)).toEqual({
        status: 'exists',
        state: 'reported',
      });
      expect(await ledger().collect({ groupKey, seq: 1 }, { assign: false })).toHaveLength(300);
    }, 60_000);

    it('claims a message per channel, once, and remembers it sent', async () => {
      const ref: MessageRef = { groupKey: group(), seq: 1 };
      const claim = await ledger().claim(ref, 'email', NOW, LEASE);
      expect(claim).toEqual({ status: 'claimed', token: expect.any(String) });
      expect(await ledger().claim(ref, 'email', later(1), LEASE)).toEqual({
        status: 'busy',
        leaseUntil: NOW.getTime() + LEASE,
      });
      // Another channel, another claim.
      expect((await ledger().claim(ref, 'slack', later(1), LEASE)).status).toBe('claimed');
      if (claim.status !== 'claimed') throw new Error('unreachable');
      await ledger().markSent(ref, 'email', claim.token, later(2));
      expect(await ledger().claim(ref, 'email', later(3), LEASE)).toEqual({ status: 'sent' });
      expect(await ledger().claim(ref, 'email', later(LEASE * 10), LEASE)).toEqual({
        status: 'sent',
      });
      // Another message of the same group is its own.
      expect((await ledger().claim({ ...ref, seq: 2 }, 'email', later(3), LEASE)).status).toBe(
        'claimed',
      );
    });

    it('hands a claim over once its lease ended, and ignores the stale claimer', async () => {
      const ref: MessageRef = { groupKey: group(), seq: 1 };
      const first = await ledger().claim(ref, 'slack', NOW, LEASE);
      expect(await ledger().claim(ref, 'slack', later(LEASE), LEASE)).toEqual({
        status: 'busy',
        leaseUntil: NOW.getTime() + LEASE,
      });
      const second = await ledger().claim(ref, 'slack', later(LEASE + 1), LEASE);
      if (first.status !== 'claimed' || second.status !== 'claimed') {
        throw new Error(`expected two claims, got ${first.status} and ${second.status}`);
      }
      expect(second.token).not.toBe(first.token);
      await ledger().markSent(ref, 'slack', first.token, later(LEASE + 2));
      expect(await ledger().claim(ref, 'slack', later(LEASE + 3), LEASE)).toEqual({
        status: 'busy',
        leaseUntil: NOW.getTime() + 2 * LEASE + 1,
      });
      await ledger().markSent(ref, 'slack', second.token, later(LEASE + 4));
      expect(await ledger().claim(ref, 'slack', later(LEASE + 5), LEASE)).toEqual({
        status: 'sent',
      });
    });

    it('lets exactly one of 50 concurrent claimers have a message', async () => {
      const ref: MessageRef = { groupKey: group(), seq: 1 };
      const claims = await Promise.all(
        Array.from({ length: 50 }, () => ledger().claim(ref, 'slack', NOW, LEASE)),
      );
      expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim.status === 'busy')).toHaveLength(49);
    });

    it('lets exactly one of two concurrent flushers have a group', async () => {
      for (let round = 0; round < 5; round++) {
        const groupKey = group();
        await ledger().arm(groupKey, NOW);
        const outcomes = await Promise.all([
          ledger().beginFlush(groupKey, NOW, LEASE),
          ledger().beginFlush(groupKey, NOW, LEASE),
        ]);
        expect(outcomes.filter((outcome) => outcome === 'busy')).toHaveLength(1);
        expect(outcomes).toContainEqual({ armed: false, seq: 0 });
      }
    });

    it("resolves an integration's reported incidents, once per event", async () => {
      const groupKey = group();
      const integrationId = uniqueId('integration');
      const reported = anAlert({ integrationId, occurredAt: at(1) });
      const alsoReported = anAlert({ integrationId, occurredAt: at(2) });
      const other = anAlert({ occurredAt: at(1) });
      for (const alert of [reported, alsoReported, other]) {
        await ledger().record(groupKey, alert, TIMING);
      }
      await ledger().collect({ groupKey, seq: 1 }, { assign: true });
      const pending = anAlert({ integrationId, occurredAt: at(3) });
      await ledger().record(groupKey, pending, TIMING);

      const by = { eventId: 'accepted-1', at: NOW };
      expect(keys(await ledger().resolve(groupKey, integrationId, by))).toEqual(
        keys([reported, alsoReported]),
      );
      // A retry after a crash finds them again; another event finds nothing of them.
      expect(keys(await ledger().resolve(groupKey, integrationId, by))).toEqual(
        keys([reported, alsoReported]),
      );
      expect(
        await ledger().resolve(groupKey, integrationId, { eventId: 'accepted-2', at: NOW }),
      ).toEqual([]);
      expect(await ledger().record(groupKey, pending, TIMING)).toEqual({
        status: 'exists',
        state: 'resolved',
      });
      // Other integrations of the group are untouched.
      expect(await ledger().record(groupKey, other, TIMING)).toEqual({
        status: 'exists',
        state: 'reported',
      });
      expect(keys(await ledger().collect({ groupKey, seq: 1 }, { assign: false }))).toEqual(
        keys([other]),
      );
      expect(
        await ledger().resolve(groupKey, uniqueId('unknown'), { eventId: 'e', at: NOW }),
      ).toEqual([]);
    });

    it('works with a group key of 2,000 UTF-8 bytes, told apart from one sharing its start', async () => {
      const stem = `${uniqueId('g')}|`;
      const fill = 2_000 - stem.length;
      const groupKey = `${stem}${'é'.repeat(Math.floor(fill / 2))}${'x'.repeat(fill % 2)}`;
      expect(Buffer.byteLength(groupKey, 'utf8')).toBe(2_000);
      const long = groupKey.slice(0, -1);
      const alert = anAlert({});
      expect(await ledger().record(groupKey, alert, TIMING)).toEqual({ status: 'recorded' });
      expect(await ledger().record(long, alert, TIMING)).toEqual({ status: 'recorded' });
      expect(await ledger().arm(groupKey, NOW)).toBe('armed');
      expect(await ledger().head(long)).toEqual({ armed: false, seq: 0 });
      expect(await ledger().beginFlush(groupKey, NOW, LEASE)).toEqual({ armed: false, seq: 0 });
      await ledger().open({ groupKey, seq: 1 }, NOW);
      expect(keys(await ledger().collect({ groupKey, seq: 1 }, { assign: true }))).toEqual([
        alert.incidentKey,
      ]);
      expect((await ledger().claim({ groupKey, seq: 1 }, 'email', NOW, LEASE)).status).toBe(
        'claimed',
      );
      await ledger().close({ groupKey, seq: 1 });
      expect(await ledger().head(groupKey)).toEqual({
        armed: false,
        seq: 1,
        lastFlushAt: NOW.getTime(),
      });
      expect(
        keys(
          await ledger().resolve(groupKey, alert.integration?.id ?? '', { eventId: 'e', at: NOW }),
        ),
      ).toEqual([alert.incidentKey]);
    });
  });
