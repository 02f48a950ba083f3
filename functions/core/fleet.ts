import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { INTEGRATION_STATES, type IntegrationState } from './events.ts';
import { QUARANTINE_SOURCES, type QuarantineSource } from './queue-message.ts';

/**
 * The operator's view of the fleet: filters, list items and index layout. Pure values; the
 * DynamoDB adapter and the in-memory twin both follow them.
 */

/**
 * The indexes the operator queries read. Every constant-looking partition key is sharded:
 * `<value>#<shard>`, the shard derived from the item's id, so no index partition takes more
 * than its share of writes. Readers query every shard and merge.
 */
export const FLEET_INDEXES = {
  /** Integrations by current state, most recently changed first. */
  byState: { name: 'by-state', partitionKey: 'stateShard', sortKey: 'listKey', shards: 8 },
  /**
   * The integrations of one organization, and of one location: keys only, sorted by the
   * item's own key, so an entry is written once, when the integration is first stored, and
   * never again. Readers fetch the items (a few hundred at most) and order them.
   */
  byOrganization: { name: 'by-organization', partitionKey: 'organizationId', sortKey: 'pk' },
  byLocation: { name: 'by-location', partitionKey: 'locationId', sortKey: 'pk' },
  /** Quarantine records and delivery-error notices, newest first. */
  records: { name: 'records', partitionKey: 'recordShard', sortKey: 'recordKey', shards: 4 },
} as const;

/** Shards of the `pending` index: the stuck-PENDING check reads them all. */
export const PENDING_SHARDS = 4;

/** A shard number in `[0, shards)`, stable for an id. */
export const shardOf = (id: string, shards: number): number =>
  createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % shards;

/** The sharded partition value of `value` for the item `id`. */
export const shardKey = (value: string, id: string, shards: number): string =>
  `${value}#${shardOf(id, shards)}`;

/** Every partition of a sharded `value`. */
export const allShards = (value: string, shards: number): string[] =>
  Array.from({ length: shards }, (_, shard) => `${value}#${shard}`);

/**
 * The sort key of an integration in the list indexes: the date of the event that decided
 * its current state, then its id, so the order is total and a cursor can resume after it.
 */
export const integrationListKey = (lastEventAt: string, id: string): string =>
  `${lastEventAt}#${id}`;

/** The sort key of a quarantine record or notice in the `records` index. */
export const recordListKey = (receivedAt: string, id: string): string => `${receivedAt}#${id}`;

const Id = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'));

/** What `GET /integrations` may be asked; every filter optional, combined with AND. */
export const IntegrationFilterSchema = v.object({
  state: v.optional(
    v.picklist(INTEGRATION_STATES, `must be one of ${INTEGRATION_STATES.join(', ')}`),
  ),
  organizationId: v.optional(Id),
  locationId: v.optional(Id),
  fulfillmentServiceId: v.optional(Id),
});
export type IntegrationFilter = v.InferOutput<typeof IntegrationFilterSchema>;

/** One line of the integration list. Never the token. */
export interface IntegrationSummary {
  readonly id: string;
  readonly state: IntegrationState;
  readonly organizationId: string;
  readonly locationId: string;
  readonly fulfillmentServiceId: string;
  /** `header.date` of the event that decided the current state. */
  readonly lastEventAt: string;
}

/** Whether an integration passes every filter given. */
export const matchesFilter = (item: IntegrationSummary, filter: IntegrationFilter): boolean =>
  (filter.state === undefined || item.state === filter.state) &&
  (filter.organizationId === undefined || item.organizationId === filter.organizationId) &&
  (filter.locationId === undefined || item.locationId === filter.locationId) &&
  (filter.fulfillmentServiceId === undefined ||
    item.fulfillmentServiceId === filter.fulfillmentServiceId);

/** Most recently changed first; the id breaks ties, as the index's sort key does. */
export const compareSummaries = (a: IntegrationSummary, b: IntegrationSummary): number => {
  const left = integrationListKey(a.lastEventAt, a.id);
  const right = integrationListKey(b.lastEventAt, b.id);
  return left < right ? 1 : left > right ? -1 : 0;
};

export const QuarantineFilterSchema = v.object({
  source: v.optional(
    v.picklist(QUARANTINE_SOURCES, `must be one of ${QUARANTINE_SOURCES.join(', ')}`),
  ),
});
export type QuarantineFilter = v.InferOutput<typeof QuarantineFilterSchema>;

/** One line of the quarantine list. */
export interface QuarantineSummary {
  readonly id: string;
  readonly source: QuarantineSource;
  readonly receivedAt: string;
}

/** One line of the notice list. */
export interface NoticeSummary {
  readonly id: string;
  readonly code: string;
  readonly endpoint: string;
  readonly message: string;
  readonly receivedAt: string;
}

/** A page request: at most `limit` items strictly after the position `after` (a list key). */
export interface PageRequest {
  readonly limit: number;
  readonly after?: string;
}

/** A page of items and, when more may follow, the list key to resume after. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
