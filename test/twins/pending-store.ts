import type { PendingEntry, PendingStore } from '../../functions/core/ports.ts';
import { compareKeys } from '../../functions/core/state.ts';
import { Faults } from './faults.ts';
import type { TwinTable } from './table.ts';

/**
 * The stuck-PENDING check's view of the table, in memory: the `pending` index is the
 * `pendingSince` the integration twin sets on an applied `created` (share one `TwinTable`).
 */
export class InMemoryPendingStore implements PendingStore {
  readonly faults = new Faults<PendingStore>();
  readonly #table: TwinTable;

  constructor(table: TwinTable) {
    this.#table = table;
  }

  async *listPendingBefore(cutoff: string): AsyncIterable<PendingEntry> {
    this.faults.enter('listPendingBefore', [cutoff]);
    const entries: PendingEntry[] = [];
    for (const [integrationId, item] of this.#table.items) {
      if (item.pendingSince !== undefined && compareKeys(item.pendingSince, cutoff) < 0) {
        entries.push({ integrationId, pendingSince: item.pendingSince });
      }
    }
    entries.sort((a, b) => compareKeys(a.pendingSince, b.pendingSince));
    yield* entries;
  }

  async clearPending(entry: PendingEntry): Promise<'cleared' | 'changed'> {
    this.faults.enter('clearPending', [entry]);
    const item = this.#table.items.get(entry.integrationId);
    if (!item || item.pendingSince !== entry.pendingSince) return 'changed';
    const { pendingSince: _cleared, ...rest } = item;
    this.#table.items.set(entry.integrationId, rest);
    return 'cleared';
  }

  /** The integrations the index holds now, sorted: what a test checks after a run. */
  indexed(): string[] {
    return [...this.#table.items]
      .filter(([, item]) => item.pendingSince !== undefined)
      .map(([id]) => id)
      .sort();
  }
}
