import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type IntegrationEvent,
  LIFECYCLE_STEPS,
  type LifecycleStep,
} from '../../functions/core/events.ts';
import type { HistoryEntry, IntegrationStore } from '../../functions/core/ports.ts';
import {
  applyToRegisters,
  currentOf,
  eventKey,
  type Registers,
} from '../../functions/core/state.ts';
import { historyEntryOf } from '../../functions/core/view.ts';
import { lifecycleEvent } from '../support/events.ts';
import { at, NOW, TIMING, uniqueId } from './support.ts';

const entryOf = (event: IntegrationEvent, receivedAt = NOW.toISOString()): HistoryEntry =>
  historyEntryOf(event, receivedAt);

const byDate = (a: HistoryEntry, b: HistoryEntry) => a.date.localeCompare(b.date);

/**
 * What every `IntegrationStore` must do, run against the in-memory twin and the DynamoDB
 * adapter alike. `store` is read when a test runs, so the caller may start it in `beforeAll`.
 */
export const describeIntegrationStoreContract = (name: string, store: () => IntegrationStore) =>
  describe(`IntegrationStore contract: ${name}`, () => {
    const freshId = () => uniqueId('contract-integration');

    describe('applyEvent', () => {
      it('writes the register and returns the integration as stored', async () => {
        const id = freshId();
        const event = lifecycleEvent('created', { id, date: at(9) });
        const stored = await store().applyEvent(event, NOW);
        expect(stored).toEqual({
          id,
          registers: {
            created: {
              key: eventKey(event),
              date: at(9),
              messageId: event.header.messageId,
              webhookId: event.header.webhookId,
              organizationId: event.header.organizationId,
              locationId: event.body.locationId,
              fulfillmentServiceId: event.body.fulfillmentServiceId,
              scopes: event.body.scopes,
              state: 'PENDING',
            },
          },
          hasAccessToken: false,
        });
        expect(await store().getIntegration(id)).toEqual(stored);
      });

      it('refuses a duplicate and an older event of the same step', async () => {
        const id = freshId();
        const accepted = lifecycleEvent('accepted', { id, date: at(10) });
        expect(await store().applyEvent(accepted, NOW)).toBeDefined();
        expect(await store().applyEvent(accepted, NOW)).toBeUndefined();
        expect(
          await store().applyEvent(lifecycleEvent('accepted', { id, date: at(9) }), NOW),
        ).toBeUndefined();
        expect((await store().getIntegration(id))?.registers.accepted?.key).toBe(
          eventKey(accepted),
        );
      });

      it('keeps a late older event of another step in its register', async () => {
        const id = freshId();
        await store().applyEvent(lifecycleEvent('accepted', { id, date: at(10) }), NOW);
        const stored = await store().applyEvent(
          lifecycleEvent('created', { id, date: at(9) }),
          NOW,
        );
        expect(stored?.registers.created?.date).toBe(at(9));
        expect(stored && currentOf(stored.registers)?.step).toBe('accepted');
      });

      it('reports that a token is held, never the token', async () => {
        const id = freshId();
        const stored = await store().applyEvent(
          lifecycleEvent('accepted', { id, date: at(10), accessToken: 'tok_SECRET_123' }),
          NOW,
        );
        expect(stored?.hasAccessToken).toBe(true);
        expect(JSON.stringify(stored)).not.toContain('tok_SECRET_123');
        expect(JSON.stringify(await store().getIntegrationWithHistory(id))).not.toContain(
          'tok_SECRET_123',
        );
      });

      it('holds no token after an accepted event without one', async () => {
        const id = freshId();
        await store().applyEvent(lifecycleEvent('accepted', { id, date: at(10) }), NOW);
        const tokenless = lifecycleEvent('accepted', { id, date: at(11) });
        const stored = await store().applyEvent(
          { ...tokenless, body: { ...tokenless.body, accessToken: null } },
          NOW,
        );
        expect(stored?.hasAccessToken).toBe(false);
      });

      it.each([
        ['accepted then rejected', ['accepted', 'rejected']],
        ['rejected then an older accepted', ['rejected', 'accepted']],
      ] as const)('holds no token after %s', async (_name, steps) => {
        const id = freshId();
        const dates = { accepted: at(10), rejected: at(11) };
        for (const step of steps) {
          await store().applyEvent(lifecycleEvent(step, { id, date: dates[step] }), NOW);
        }
        const stored = await store().getIntegration(id);
        expect(stored?.hasAccessToken).toBe(false);
        expect(stored && currentOf(stored.registers)?.register.state).toBe('INACTIVE');
      });

      it('freezes created and accepted once rejected, later or older alike; errored still applies', async () => {
        const id = freshId();
        await store().applyEvent(lifecycleEvent('rejected', { id, date: at(9) }), NOW);
        const later = await store().applyEvent(
          lifecycleEvent('accepted', { id, date: at(10) }),
          NOW,
        );
        const older = await store().applyEvent(
          lifecycleEvent('accepted', { id, date: at(8) }),
          NOW,
        );
        const created = await store().applyEvent(
          lifecycleEvent('created', { id, date: at(7) }),
          NOW,
        );
        expect([later, older, created]).toEqual([undefined, undefined, undefined]);
        const errored = await store().applyEvent(
          lifecycleEvent('errored', { id, date: at(10) }),
          NOW,
        );
        expect(errored && currentOf(errored.registers)?.register.state).toBe('ERROR');
      });

      it('returns copies: changing what it returned changes nothing stored', async () => {
        const id = freshId();
        const stored = await store().applyEvent(
          lifecycleEvent('created', { id, date: at(9) }),
          NOW,
        );
        (stored?.registers.created?.scopes as string[] | undefined)?.push('tampered');
        expect((await store().getIntegration(id))?.registers.created?.scopes).not.toContain(
          'tampered',
        );
      });

      it('ends in the state the core rule computes, whatever the order (property)', async () => {
        const arbitrary = fc.array(
          fc.record({
            step: fc.constantFrom<LifecycleStep>(...LIFECYCLE_STEPS),
            hour: fc.integer({ min: 0, max: 4 }),
            messageId: fc.constantFrom('a', 'b', '\u00e9', '\u{1f600}'),
          }),
          { minLength: 1, maxLength: 6 },
        );
        await fc.assert(
          fc.asyncProperty(arbitrary, async (specs) => {
            const id = freshId();
            let expected: Registers = {};
            for (const { step, hour, messageId } of specs) {
              const event = lifecycleEvent(step, { id, date: at(hour), messageId });
              const inMemory = applyToRegisters(expected, event);
              expect((await store().applyEvent(event, NOW)) !== undefined).toBe(inMemory.applied);
              expected = inMemory.registers;
            }
            const stored = await store().getIntegration(id);
            expect(stored?.registers).toEqual(expected);
          }),
          { numRuns: 40 },
        );
      });
    });

    describe('history', () => {
      it('records an event once under its semantic identity', async () => {
        const id = freshId();
        const event = lifecycleEvent('errored', { id, date: at(14), messageId: 'm1' });
        const options = TIMING;
        expect(await store().recordEvent(id, entryOf(event), options)).toBe('recorded');
        const resent = lifecycleEvent('errored', { id, date: at(14), messageId: 'm2' });
        expect(await store().recordEvent(id, entryOf(resent), options)).toBe('exists');
        expect(await store().getIntegrationWithHistory(id)).toEqual({ history: [entryOf(event)] });
      });

      it('returns the integration with every event recorded, lifecycle and unknown types', async () => {
        const id = freshId();
        const events = [
          lifecycleEvent('created', { id, date: at(9) }),
          lifecycleEvent('accepted', { id, date: at(10) }),
        ];
        const unknown: HistoryEntry = {
          type: 'location/fulfillment_service_integration/paused',
          date: at(11),
          messageId: 'm-paused',
          webhookId: 'w',
          receivedAt: NOW.toISOString(),
        };
        for (const event of events) {
          await store().recordEvent(id, entryOf(event), TIMING);
          await store().applyEvent(event, NOW);
        }
        await store().recordEvent(id, unknown, TIMING);
        const { integration, history } = await store().getIntegrationWithHistory(id);
        expect(integration).toEqual(await store().getIntegration(id));
        expect([...history].sort(byDate)).toEqual([...events.map((e) => entryOf(e)), unknown]);
      });

      it('knows nothing of an unknown integration', async () => {
        const id = freshId();
        expect(await store().getIntegration(id)).toBeUndefined();
        expect(await store().getIntegrationWithHistory(id)).toEqual({ history: [] });
      });
    });

    describe('records', () => {
      it('records a quarantined payload and a notice once each', async () => {
        const id = freshId();
        const quarantine = { kind: 'quarantine', id } as const;
        const record = {
          source: 'happycolis',
          receivedAt: NOW.toISOString(),
          errors: [{ path: 'body.scopes', message: 'Invalid type' }],
          payload: '{}',
        };
        expect(await store().recordQuarantine(quarantine, record, TIMING)).toBe('recorded');
        expect(await store().recordQuarantine(quarantine, record, TIMING)).toBe('exists');
        // Same id, other kind: a separate record.
        const notice = { kind: 'notice', id } as const;
        const content = { code: '500', endpoint: 'e', message: 'm', receivedAt: NOW.toISOString() };
        expect(await store().recordNotice(notice, content, TIMING)).toBe('recorded');
        expect(await store().recordNotice(notice, content, TIMING)).toBe('exists');
      });
    });
  });
