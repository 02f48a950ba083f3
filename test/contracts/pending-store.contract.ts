import { describe, expect, it } from 'vitest';
import type { IntegrationStore, PendingEntry, PendingStore } from '../../functions/core/ports.ts';
import { lifecycleEvent } from '../support/events.ts';
import { at, NOW, uniqueId } from './support.ts';

export interface PendingHarness {
  /** Writes the integrations, as the processor does. */
  readonly store: IntegrationStore;
  readonly pending: PendingStore;
}

/** What every `PendingStore` must do, over the same table as its `IntegrationStore`. */
export const describePendingStoreContract = (name: string, harness: () => PendingHarness) =>
  describe(`PendingStore contract: ${name}`, () => {
    const listed = async (ids: readonly string[], cutoff: string): Promise<PendingEntry[]> => {
      const entries: PendingEntry[] = [];
      for await (const entry of harness().pending.listPendingBefore(cutoff)) {
        if (ids.includes(entry.integrationId)) entries.push(entry);
      }
      return entries;
    };
    const create = (id: string, hour: number) =>
      harness().store.applyEvent(lifecycleEvent('created', { id, date: at(hour) }), NOW);

    it('lists integrations that entered PENDING strictly before the cutoff, oldest first', async () => {
      const [early, late, recent] = [1, 2, 3].map(() => uniqueId('contract-pending'));
      await create(late as string, 5);
      await create(early as string, 3);
      await create(recent as string, 8);
      const ids = [early, late, recent] as string[];
      expect(await listed(ids, at(8))).toEqual([
        { integrationId: early, pendingSince: at(3) },
        { integrationId: late, pendingSince: at(5) },
      ]);
      expect(await listed(ids, at(3))).toEqual([]);
    });

    it('stops listing an integration once it moves on, with nothing to clear', async () => {
      const id = uniqueId('contract-pending');
      await create(id, 3);
      expect(await listed([id], at(9))).toEqual([{ integrationId: id, pendingSince: at(3) }]);
      await harness().store.applyEvent(lifecycleEvent('accepted', { id, date: at(4) }), NOW);
      expect(await listed([id], at(9))).toEqual([]);
      // The integration itself is untouched.
      expect((await harness().store.getIntegration(id))?.registers.accepted).toBeDefined();
    });

    it('lists a created event that arrives after a newer one only while it decides the state', async () => {
      const id = uniqueId('contract-pending');
      await harness().store.applyEvent(lifecycleEvent('accepted', { id, date: at(4) }), NOW);
      await create(id, 3);
      expect(await listed([id], at(9))).toEqual([]);
    });

    it('lists an integration once, under the newest created event that decides its state', async () => {
      const id = uniqueId('contract-pending');
      await create(id, 3);
      await create(id, 5);
      expect(await listed([id], at(9))).toEqual([{ integrationId: id, pendingSince: at(5) }]);
    });
  });
