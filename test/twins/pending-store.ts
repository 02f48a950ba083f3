import type {
  AlertStatus,
  PendingEntry,
  PendingStore,
  RecordTiming,
  StuckPendingRef,
} from '../../functions/core/ports.ts';
import { compareKeys } from '../../functions/core/state.ts';
import { Faults } from './faults.ts';
import type { TwinTable } from './table.ts';

const stuckKey = (ref: StuckPendingRef) =>
  `stuck\u0000${ref.integrationId}\u0000${ref.createdEventId}`;

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

  async recordStuckAlert(
    ref: StuckPendingRef,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    this.faults.enter('recordStuckAlert', [ref, timing]);
    return this.#table.putOnce(stuckKey(ref), ref, timing, true);
  }

  async stuckAlertStatus(ref: StuckPendingRef): Promise<AlertStatus> {
    this.faults.enter('stuckAlertStatus', [ref]);
    return this.#table.alertStatus(stuckKey(ref));
  }

  async markStuckAlertSent(ref: StuckPendingRef, at: Date): Promise<void> {
    this.faults.enter('markStuckAlertSent', [ref, at]);
    this.#table.markAlertSent(stuckKey(ref));
  }

  /** The integrations the index holds now, sorted: what a test checks after a run. */
  indexed(): string[] {
    return [...this.#table.items]
      .filter(([, item]) => item.pendingSince !== undefined)
      .map(([id]) => id)
      .sort();
  }
}
