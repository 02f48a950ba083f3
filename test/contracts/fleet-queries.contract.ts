import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IntegrationEvent, LifecycleStep } from '../../functions/core/events.ts';
import {
  type IntegrationFilter,
  type IntegrationSummary,
  matchesFilter,
  type Page,
} from '../../functions/core/fleet.ts';
import type { FleetQueries, IntegrationStore } from '../../functions/core/ports.ts';
import { lifecycleEvent } from '../support/events.ts';
import { NOW, TIMING, uniqueId } from './support.ts';

/** The step whose event leaves an integration in each state. */
const STEP_FOR = {
  PENDING: 'created',
  ACTIVE: 'accepted',
  INACTIVE: 'rejected',
  ERROR: 'errored',
} as const;

interface Spec {
  readonly state: keyof typeof STEP_FOR;
  readonly location: number;
  readonly service: number;
  readonly minute: number;
}

const eventFor = (
  id: string,
  organizationId: string,
  spec: Spec,
  step: LifecycleStep = STEP_FOR[spec.state],
  minute = spec.minute,
): IntegrationEvent => {
  const event = lifecycleEvent(step, {
    id,
    date: `2024-06-10T10:${String(minute).padStart(2, '0')}:00.000Z`,
  });
  return {
    ...event,
    header: { ...event.header, organizationId },
    body: {
      ...event.body,
      locationId: `${organizationId}-loc-${spec.location}`,
      fulfillmentServiceId: `${organizationId}-fs-${spec.service}`,
    },
  };
};

/** Every page of a list, following cursors. */
const allPages = async <T>(
  read: (after: string | undefined) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> => {
  const items: T[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await read(after);
    pages++;
    items.push(...page.items);
    after = page.next;
  } while (after !== undefined && pages < 100);
  return { items, pages };
};

const expectedOrder = (items: readonly IntegrationSummary[]) =>
  [...items].sort((a, b) => (`${a.lastEventAt}#${a.id}` < `${b.lastEventAt}#${b.id}` ? 1 : -1));

/**
 * What every `FleetQueries` must answer, against the in-memory twin and the DynamoDB adapter.
 * Each test works in an organization of its own, so suites sharing a table do not interfere.
 */
export const describeFleetQueriesContract = (
  name: string,
  deps: () => { store: IntegrationStore; fleet: FleetQueries },
) =>
  describe(`FleetQueries contract: ${name}`, () => {
    const seed = async (specs: readonly Spec[]) => {
      const organizationId = uniqueId('org');
      const summaries: IntegrationSummary[] = [];
      for (const spec of specs) {
        const id = uniqueId('fleet');
        // An earlier `created` first, so the list shows the newest state, not the first.
        if (spec.state !== 'PENDING') {
          await deps().store.applyEvent(eventFor(id, organizationId, spec, 'created', 0), NOW);
        }
        const event = eventFor(id, organizationId, spec);
        await deps().store.applyEvent(event, NOW);
        summaries.push({
          id,
          state: spec.state,
          organizationId,
          locationId: event.body.locationId,
          fulfillmentServiceId: event.body.fulfillmentServiceId,
          lastEventAt: event.header.date,
        });
      }
      return { organizationId, summaries };
    };

    it('lists an organization newest change first, across pages', async () => {
      const specs: Spec[] = Array.from({ length: 7 }, (_, index) => ({
        state: (['PENDING', 'ACTIVE', 'ERROR'] as const)[index % 3] ?? 'ERROR',
        location: index % 2,
        service: 0,
        minute: 10 + index,
      }));
      const { organizationId, summaries } = await seed(specs);
      const { items, pages } = await allPages((after) =>
        deps().fleet.listIntegrations(
          { organizationId },
          { limit: 3, ...(after ? { after } : {}) },
        ),
      );
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(items).toEqual(expectedOrder(summaries));
    });

    it('shows the current state after a newer event', async () => {
      const spec: Spec = { state: 'ACTIVE', location: 0, service: 0, minute: 20 };
      const { organizationId, summaries } = await seed([spec]);
      const [first] = summaries;
      if (!first) throw new Error('seed made nothing');
      await deps().store.applyEvent(eventFor(first.id, organizationId, spec, 'errored', 30), NOW);
      const page = await deps().fleet.listIntegrations(
        { organizationId, state: 'ERROR' },
        { limit: 10 },
      );
      expect(page.items.map((item) => [item.id, item.state, item.lastEventAt])).toEqual([
        [first.id, 'ERROR', '2024-06-10T10:30:00.000Z'],
      ]);
      const active = await deps().fleet.listIntegrations(
        { organizationId, state: 'ACTIVE' },
        { limit: 10 },
      );
      expect(active.items).toEqual([]);
    });

    it('finds by state alone across shards, only that state, in order', async () => {
      const specs: Spec[] = Array.from({ length: 6 }, (_, index) => ({
        state: index % 2 === 0 ? 'INACTIVE' : 'PENDING',
        location: 0,
        service: 0,
        minute: 40 + index,
      }));
      const { summaries } = await seed(specs);
      const { items } = await allPages((after) =>
        deps().fleet.listIntegrations(
          { state: 'INACTIVE' },
          { limit: 4, ...(after ? { after } : {}) },
        ),
      );
      expect(items.every((item) => item.state === 'INACTIVE')).toBe(true);
      const ours = new Set(summaries.map((item) => item.id));
      expect(items.filter((item) => ours.has(item.id))).toEqual(
        expectedOrder(summaries.filter((item) => item.state === 'INACTIVE')),
      );
      expect(items).toEqual(expectedOrder(items));
    });

    it('equals filtering the full set, for any filter and page size', async () => {
      const spec = fc.record({
        state: fc.constantFrom('PENDING', 'ACTIVE', 'INACTIVE', 'ERROR'),
        location: fc.integer({ min: 0, max: 2 }),
        service: fc.integer({ min: 0, max: 2 }),
        minute: fc.integer({ min: 1, max: 59 }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(spec, { minLength: 1, maxLength: 8 }),
          fc.record(
            {
              state: fc.constantFrom('PENDING', 'ACTIVE', 'INACTIVE', 'ERROR'),
              location: fc.integer({ min: 0, max: 2 }),
              service: fc.integer({ min: 0, max: 2 }),
            },
            { requiredKeys: [] },
          ),
          fc.integer({ min: 1, max: 4 }),
          async (specs, picked, limit) => {
            const { organizationId, summaries } = await seed(specs);
            const filter: IntegrationFilter = {
              organizationId,
              ...(picked.state ? { state: picked.state } : {}),
              ...(picked.location === undefined
                ? {}
                : { locationId: `${organizationId}-loc-${picked.location}` }),
              ...(picked.service === undefined
                ? {}
                : { fulfillmentServiceId: `${organizationId}-fs-${picked.service}` }),
            };
            const { items } = await allPages((after) =>
              deps().fleet.listIntegrations(filter, { limit, ...(after ? { after } : {}) }),
            );
            expect(items).toEqual(expectedOrder(summaries.filter((s) => matchesFilter(s, filter))));
          },
        ),
        { numRuns: 12 },
      );
    });

    describe('quarantine and notices', () => {
      const record = (receivedAt: string, source: 'happycolis' | 'delivery-errors') => ({
        source,
        receivedAt,
        errors: [{ path: 'body.id', message: 'must not be empty' }],
        payload: `{"n":"${uniqueId('payload')}","accessToken":"[redacted]"}`,
      });

      it('lists quarantine newest first, by source, across pages, and shows one', async () => {
        const ids = Array.from({ length: 5 }, () => uniqueId('q'));
        const base = Date.parse('2031-01-01T00:00:00.000Z') + Math.floor(Math.random() * 1e9);
        const stamps = ids.map((_, index) => new Date(base + index * 1000).toISOString());
        for (const [index, id] of ids.entries()) {
          const source = index % 2 === 0 ? 'happycolis' : 'delivery-errors';
          await deps().store.recordQuarantine(
            { kind: 'quarantine', id },
            record(stamps[index] ?? '', source),
            TIMING,
          );
        }
        const { items } = await allPages((after) =>
          deps().fleet.listQuarantine(
            { source: 'happycolis' },
            { limit: 2, ...(after ? { after } : {}) },
          ),
        );
        const ours = items.filter((item) => ids.includes(item.id));
        expect(ours.map((item) => item.id)).toEqual([ids[4], ids[2], ids[0]]);
        expect(items.every((item) => item.source === 'happycolis')).toBe(true);

        const detail = await deps().fleet.getQuarantine(ids[1] ?? '');
        expect(detail).toMatchObject({
          id: ids[1],
          source: 'delivery-errors',
          receivedAt: stamps[1],
          errors: [{ path: 'body.id', message: 'must not be empty' }],
        });
        expect(detail?.replayedAt).toBeUndefined();
        expect(await deps().fleet.getQuarantine(uniqueId('missing'))).toBeUndefined();
      });

      it('marks a quarantine record replayed once', async () => {
        const id = uniqueId('q');
        await deps().store.recordQuarantine(
          { kind: 'quarantine', id },
          record('2030-01-01T00:00:00.000Z', 'happycolis'),
          TIMING,
        );
        expect(await deps().fleet.markQuarantineReplayed(id, NOW)).toBe('marked');
        expect(await deps().fleet.markQuarantineReplayed(id, NOW)).toBe('already');
        expect((await deps().fleet.getQuarantine(id))?.replayedAt).toBe(NOW.toISOString());
        expect(await deps().fleet.markQuarantineReplayed(uniqueId('missing'), NOW)).toBe('missing');
      });

      it('lists notices newest first', async () => {
        const ids = [uniqueId('n'), uniqueId('n')];
        const stamps = ['2032-03-01T00:00:00.000Z', '2032-03-01T00:00:01.000Z'];
        for (const [index, id] of ids.entries()) {
          await deps().store.recordNotice(
            { kind: 'notice', id },
            {
              code: '500',
              endpoint: 'https://x.test',
              message: `m${index}`,
              receivedAt: stamps[index] ?? '',
            },
            TIMING,
          );
        }
        const { items } = await allPages((after) =>
          deps().fleet.listNotices({ limit: 1, ...(after ? { after } : {}) }),
        );
        expect(items.filter((item) => ids.includes(item.id))).toEqual([
          {
            id: ids[1],
            code: '500',
            endpoint: 'https://x.test',
            message: 'm1',
            receivedAt: stamps[1],
          },
          {
            id: ids[0],
            code: '500',
            endpoint: 'https://x.test',
            message: 'm0',
            receivedAt: stamps[0],
          },
        ]);
      });
    });
  });
