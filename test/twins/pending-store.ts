import type { PendingEntry, PendingStore } from '../../functions/core/ports.ts';
import { compareKeys, currentOf } from '../../functions/core/state.ts';
import { Faults } from './faults.ts';
import type { TwinTable } from './table.ts';

/**
 * The stuck-PENDING check's view of the table, in memory: the integrations whose current state
 * is PENDING, as the `by-state` index's PENDING partitions hold them (share one `TwinTable`
 * with the integration twin). An integration leaves the list by itself when it moves on.
 */
export class InMemoryPendingStore implements PendingStore {
  readonly faults = new Faults<PendingStore>();
  readonly #table: TwinTable;

  constructor(table: TwinTable) {
    this.#table = table;
  }

  async *listPendingBefore(cutoff: string): AsyncIterable<PendingEntry> {
    this.faults.enter('listPendingBefore', [cutoff]);
    const entries = this.#pending().filter((entry) => compareKeys(entry.pendingSince, cutoff) < 0);
    entries.sort((a, b) => compareKeys(a.pendingSince, b.pendingSince));
    yield* entries;
  }

  /** The integrations the check would list now, sorted: what a test checks after a run. */
  indexed(): string[] {
    return this.#pending()
      .map((entry) => entry.integrationId)
      .sort();
  }

  #pending(): PendingEntry[] {
    const entries: PendingEntry[] = [];
    for (const [integrationId, item] of this.#table.items) {
      const current = currentOf(item.registers);
      if (current?.register.state === 'PENDING') {
        entries.push({ integrationId, pendingSince: current.register.date });
      }
    }
    return entries;
  }
}
