import type { IntegrationEvent } from '../../functions/core/events.ts';
import { tokenAfter } from '../../functions/core/lifecycle.ts';
import type {
  HistoryEntry,
  IntegrationStore,
  NoticeRecord,
  QuarantineRecord,
  RecordRef,
  RecordTiming,
  StoredIntegration,
} from '../../functions/core/ports.ts';
import {
  compareKeys,
  conditionFor,
  conditionHolds,
  eventIdentity,
  tokenChange,
  toRegister,
} from '../../functions/core/state.ts';
import { copy } from './copy.ts';
import { Faults } from './faults.ts';
import { type TwinIntegrationItem, TwinTable } from './table.ts';

/** One key per record, as the adapter's `pk`/`sk` pairs are distinct per kind. */
export const recordKey = (ref: RecordRef): string => {
  switch (ref.kind) {
    case 'event':
      return `event\u0000${ref.integrationId}\u0000${ref.eventId}`;
    case 'quarantine':
      return `quarantine\u0000${ref.id}`;
    case 'notice':
      return `notice\u0000${ref.id}`;
  }
};

const historyEntry = (entry: HistoryEntry): HistoryEntry => ({
  type: entry.type,
  date: entry.date,
  messageId: entry.messageId,
  webhookId: entry.webhookId,
  receivedAt: entry.receivedAt,
  ...(entry.key === undefined ? {} : { key: entry.key }),
  ...(entry.state === undefined ? {} : { state: entry.state }),
  ...(entry.digest === undefined ? {} : { digest: entry.digest }),
});

/**
 * The integration store in memory, on the core's own rule: a register write happens only if
 * `conditionHolds(conditionFor(event), registers)`, the check the DynamoDB adapter turns into
 * its condition expression, and the token follows the core's `tokenChange`, as in the adapter.
 * Every value in or out is a copy. The contract suite (`test/contracts/`) runs against both.
 */
export class InMemoryIntegrationStore implements IntegrationStore {
  readonly faults = new Faults<IntegrationStore>();
  readonly table: TwinTable;

  constructor(table: TwinTable = new TwinTable()) {
    this.table = table;
  }

  async recordEvent(
    integrationId: string,
    entry: HistoryEntry,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    this.faults.enter('recordEvent', [integrationId, entry, timing]);
    const eventId = eventIdentity(entry);
    const recorded = this.table.putOnce(
      recordKey({ kind: 'event', integrationId, eventId }),
      entry,
      timing,
    );
    if (recorded === 'recorded') {
      const history = this.table.history.get(integrationId) ?? new Map<string, HistoryEntry>();
      history.set(eventId, historyEntry(copy(entry)));
      this.table.history.set(integrationId, history);
    }
    return recorded;
  }

  async applyEvent(event: IntegrationEvent, at: Date): Promise<StoredIntegration | undefined> {
    this.faults.enter('applyEvent', [event, at]);
    const id = event.body.id;
    const item: TwinIntegrationItem = this.table.items.get(id) ?? { registers: {} };
    if (!conditionHolds(conditionFor(event), item.registers)) return undefined;
    const { accessToken, ...rest } = item;
    const token = tokenAfter(tokenChange(event), accessToken);
    const next: TwinIntegrationItem = {
      ...rest,
      registers: { ...item.registers, [event.step]: copy(toRegister(event)) },
      ...(token === undefined ? {} : { accessToken: token }),
    };
    this.table.items.set(id, next);
    return this.#stored(id, next);
  }

  async getIntegration(id: string): Promise<StoredIntegration | undefined> {
    this.faults.enter('getIntegration', [id]);
    const item = this.table.items.get(id);
    return item ? this.#stored(id, item) : undefined;
  }

  async getIntegrationWithHistory(id: string): Promise<{
    readonly integration?: StoredIntegration;
    readonly history: readonly HistoryEntry[];
  }> {
    this.faults.enter('getIntegrationWithHistory', [id]);
    // In sort-key order, as the adapter's Query returns them.
    const history = [...(this.table.history.get(id) ?? new Map<string, HistoryEntry>())]
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([, entry]) => copy(entry));
    const item = this.table.items.get(id);
    return item ? { integration: this.#stored(id, item), history } : { history };
  }

  async recordQuarantine(
    ref: Extract<RecordRef, { kind: 'quarantine' }>,
    record: QuarantineRecord,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    this.faults.enter('recordQuarantine', [ref, record, timing]);
    return this.table.putOnce(recordKey(ref), record, timing);
  }

  async recordNotice(
    ref: Extract<RecordRef, { kind: 'notice' }>,
    record: NoticeRecord,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    this.faults.enter('recordNotice', [ref, record, timing]);
    return this.table.putOnce(recordKey(ref), record, timing);
  }

  /** The token held for an integration: what only the integration item may keep. */
  accessTokenOf(id: string): string | undefined {
    return this.table.items.get(id)?.accessToken;
  }

  #stored(id: string, item: TwinIntegrationItem): StoredIntegration {
    return { id, registers: copy(item.registers), hasAccessToken: item.accessToken !== undefined };
  }
}
