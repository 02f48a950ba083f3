import {
  compareSummaries,
  type IntegrationFilter,
  type IntegrationSummary,
  integrationListKey,
  matchesFilter,
  type NoticeSummary,
  type Page,
  type PageRequest,
  type QuarantineFilter,
  type QuarantineSummary,
  recordListKey,
} from '../../functions/core/fleet.ts';
import type {
  FleetQueries,
  NoticeRecord,
  QuarantineDetail,
  QuarantineRecord,
} from '../../functions/core/ports.ts';
import { currentOf } from '../../functions/core/state.ts';
import { Faults } from './faults.ts';
import type { TwinTable } from './table.ts';

const QUARANTINE = 'quarantine\u0000';
const NOTICE = 'notice\u0000';

/** Keeps the items strictly after `after` (list keys descend), then one page of them. */
const pageOf = <T>(
  sorted: readonly { key: string; value: T }[],
  { limit, after }: PageRequest,
): Page<T> => {
  const rest = sorted.filter((item) => after === undefined || item.key < after);
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((item) => item.value),
    ...(rest.length > limit && last ? { next: last.key } : {}),
  };
};

const descending = <T>(items: { key: string; value: T }[]) =>
  items.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));

/**
 * The operator's queries in memory, over the twins' table: the list of integrations is
 * derived from each item's registers with the core's rule (`currentOf`), as the adapter's
 * indexes hold it after each applied event.
 */
export class InMemoryFleetQueries implements FleetQueries {
  readonly faults = new Faults<FleetQueries>();
  readonly #table: TwinTable;
  readonly #replayed = new Map<string, string>();

  constructor(table: TwinTable) {
    this.#table = table;
  }

  /** Every integration as the list shows it, newest change first. */
  all(): IntegrationSummary[] {
    const summaries: IntegrationSummary[] = [];
    for (const [id, item] of this.#table.items) {
      const register = currentOf(item.registers)?.register;
      if (!register) continue;
      summaries.push({
        id,
        state: register.state,
        organizationId: register.organizationId,
        locationId: register.locationId,
        fulfillmentServiceId: register.fulfillmentServiceId,
        lastEventAt: register.date,
      });
    }
    return summaries.sort(compareSummaries);
  }

  async listIntegrations(
    filter: IntegrationFilter,
    page: PageRequest,
  ): Promise<Page<IntegrationSummary>> {
    this.faults.enter('listIntegrations', [filter, page]);
    return pageOf(
      this.all()
        .filter((item) => matchesFilter(item, filter))
        .map((value) => ({ key: integrationListKey(value.lastEventAt, value.id), value })),
      page,
    );
  }

  async listQuarantine(
    filter: QuarantineFilter,
    page: PageRequest,
  ): Promise<Page<QuarantineSummary>> {
    this.faults.enter('listQuarantine', [filter, page]);
    const items = this.#table.records(QUARANTINE).flatMap(({ key, content }) => {
      const record = content as QuarantineRecord;
      const id = key.slice(QUARANTINE.length);
      if (filter.source !== undefined && record.source !== filter.source) return [];
      const value = {
        id,
        source: record.source as QuarantineSummary['source'],
        receivedAt: record.receivedAt,
      };
      return [{ key: recordListKey(record.receivedAt, id), value }];
    });
    return pageOf(descending(items), page);
  }

  async getQuarantine(id: string): Promise<QuarantineDetail | undefined> {
    this.faults.enter('getQuarantine', [id]);
    const record = this.#table.record(`${QUARANTINE}${id}`) as QuarantineRecord | undefined;
    if (!record) return undefined;
    const replayedAt = this.#replayed.get(id);
    return { id, ...record, ...(replayedAt === undefined ? {} : { replayedAt }) };
  }

  async markQuarantineReplayed(id: string, at: Date): Promise<'marked' | 'already' | 'missing'> {
    this.faults.enter('markQuarantineReplayed', [id, at]);
    if (this.#table.record(`${QUARANTINE}${id}`) === undefined) return 'missing';
    if (this.#replayed.has(id)) return 'already';
    this.#replayed.set(id, at.toISOString());
    return 'marked';
  }

  async listNotices(page: PageRequest): Promise<Page<NoticeSummary>> {
    this.faults.enter('listNotices', [page]);
    const items = this.#table.records(NOTICE).map(({ key, content }) => {
      const { code, endpoint, message, receivedAt } = content as NoticeRecord;
      const id = key.slice(NOTICE.length);
      return {
        key: recordListKey(receivedAt, id),
        value: { id, code, endpoint, message, receivedAt },
      };
    });
    return pageOf(descending(items), page);
  }
}
