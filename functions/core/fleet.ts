import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { FLEET_INDEXES } from '../definitions/resources.ts';
import { INTEGRATION_STATES, type IntegrationState } from './events.ts';
import { QUARANTINE_SOURCES, type QuarantineSource } from './queue-message.ts';
import { currentOf, type Registers } from './state.ts';

/**
 * The operator's view of the fleet: filters, list items and index layout. Pure values; the
 * DynamoDB adapter and the in-memory twin both follow them.
 */

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

/**
 * The integration item's list attributes: its current state (derived from the registers by
 * the core's rule), the sharded partition of the `by-state` index, and the sort key of every
 * list index (the date of the event that decided the state, then the id). Written in the
 * same update as the register, and only when they change, so an event that does not change
 * the current state never writes a list index.
 */
export const listViewOf = (
  id: string,
  registers: Registers,
):
  | { readonly state: IntegrationState; readonly stateShard: string; readonly listKey: string }
  | undefined => {
  const current = currentOf(registers);
  if (!current) return undefined;
  const { state, date } = current.register;
  return {
    state,
    stateShard: shardKey(state, id, FLEET_INDEXES.byState.shards),
    listKey: integrationListKey(date, id),
  };
};
