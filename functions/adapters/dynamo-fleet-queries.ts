import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { INTEGRATION_STATES } from '../core/events.ts';
import {
  allShards,
  type IntegrationFilter,
  type IntegrationSummary,
  matchesFilter,
  type NoticeSummary,
  type Page,
  type PageRequest,
  type QuarantineFilter,
  type QuarantineSummary,
} from '../core/fleet.ts';
import type { FleetQueries, QuarantineDetail } from '../core/ports.ts';
import { QUARANTINE_SOURCES } from '../core/queue-message.ts';
import { FLEET_INDEXES } from '../definitions/resources.ts';
import {
  INTEGRATION_PK_PREFIX,
  integrationIdOf,
  NOTICE_PK_PREFIX,
  noticeIdOf,
  QUARANTINE_PK_PREFIX,
  quarantineIdOf,
  quarantineKey,
  RECORD_LIST_PARTITION,
} from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';
import { queryFirst, queryItems } from './dynamo-query.ts';

/**
 * The operator's queries over the integrations table, each answered by the index built for
 * it (`FLEET_INDEXES`): the most selective one the filters allow (location, then
 * organization, then state), the other filters applied to what it returns. Sharded
 * partitions are queried together and merged by list key, newest first.
 */

const IntegrationIndexItem = v.object({
  pk: v.pipe(v.string(), v.startsWith(INTEGRATION_PK_PREFIX)),
  listKey: v.string(),
  state: v.picklist(INTEGRATION_STATES),
  organizationId: v.string(),
  locationId: v.string(),
  fulfillmentServiceId: v.string(),
});

const QuarantineIndexItem = v.object({
  pk: v.pipe(v.string(), v.startsWith(QUARANTINE_PK_PREFIX)),
  recordKey: v.string(),
  source: v.picklist(QUARANTINE_SOURCES),
  receivedAt: v.string(),
});

const NoticeIndexItem = v.object({
  pk: v.pipe(v.string(), v.startsWith(NOTICE_PK_PREFIX)),
  recordKey: v.string(),
  code: v.string(),
  endpoint: v.string(),
  message: v.string(),
  receivedAt: v.string(),
});

const QuarantineItem = v.object({
  pk: v.string(),
  source: v.string(),
  receivedAt: v.string(),
  errors: v.array(v.object({ path: v.string(), message: v.string() })),
  payload: v.string(),
  payloadTruncated: v.optional(
    v.object({ truncated: v.literal(true), bytes: v.number(), sha256: v.string() }),
  ),
  replayedAt: v.optional(v.string()),
  accessToken: v.optional(v.string()),
});

const toSummary = (item: v.InferOutput<typeof IntegrationIndexItem>): IntegrationSummary => ({
  id: integrationIdOf(item.pk),
  state: item.state,
  organizationId: item.organizationId,
  locationId: item.locationId,
  fulfillmentServiceId: item.fulfillmentServiceId,
  lastEventAt: item.listKey.slice(0, item.listKey.indexOf('#')),
});

/** DynamoDB's limit of keys per `BatchGetItem`. */
const BATCH_GET_MAX = 100;

/** One partition to read: the index, its key value, and filters DynamoDB applies. */
interface PartitionQuery {
  readonly index: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly value: string;
  readonly filters: Readonly<Record<string, string>>;
}

/** Every shard of a sharded index partition, each read with the same filters. */
const shardQueries = (
  index: {
    readonly name: string;
    readonly partitionKey: string;
    readonly sortKey: string;
    readonly shards: number;
  },
  value: string,
  filters: Readonly<Record<string, string>>,
): PartitionQuery[] =>
  allShards(value, index.shards).map((shard) => ({
    index: index.name,
    partitionKey: index.partitionKey,
    sortKey: index.sortKey,
    value: shard,
    filters,
  }));

/** A read of a few hundred items at most per page: enough for a filter to find matches. */
const READ_BATCH = 100;

export class DynamoFleetQueries implements FleetQueries {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async listIntegrations(
    filter: IntegrationFilter,
    page: PageRequest,
  ): Promise<Page<IntegrationSummary>> {
    const { state, organizationId, locationId, fulfillmentServiceId } = filter;
    if (locationId !== undefined || organizationId !== undefined) {
      return this.#listByOwner(filter, page);
    }
    const filters: Record<string, string> =
      fulfillmentServiceId === undefined ? {} : { fulfillmentServiceId };
    const index = FLEET_INDEXES.byState;
    const states = state === undefined ? INTEGRATION_STATES : [state];
    const partitions = states.flatMap((one) => shardQueries(index, one, filters));
    return this.#merged(partitions, page, (item) => {
      const parsed = v.parse(IntegrationIndexItem, item);
      return { key: parsed.listKey, value: toSummary(parsed) };
    });
  }

  /**
   * The integrations of one location (or organization): the keys-only index names them, the
   * items say their state and list key; filtered and ordered here. An owner has at most a few
   * hundred integrations, so reading them all for a page costs little and no index entry
   * ever has to change when an integration does.
   */
  async #listByOwner(
    filter: IntegrationFilter,
    page: PageRequest,
  ): Promise<Page<IntegrationSummary>> {
    const index =
      filter.locationId !== undefined ? FLEET_INDEXES.byLocation : FLEET_INDEXES.byOrganization;
    const value = (filter.locationId ?? filter.organizationId) as string;
    const keys: string[] = [];
    for await (const item of queryItems(this.#client, {
      TableName: this.#tableName,
      IndexName: index.name,
      KeyConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': index.partitionKey, '#pk': 'pk' },
      ExpressionAttributeValues: { ':owner': value },
      ProjectionExpression: '#pk',
    })) {
      if (typeof item.pk === 'string') keys.push(item.pk);
    }

    const listed: { key: string; value: IntegrationSummary }[] = [];
    for (const item of await this.#getAll(keys)) {
      const parsed = v.safeParse(IntegrationIndexItem, item);
      // Written before the list view existed: listed after its next applied event.
      if (!parsed.success) continue;
      const summary = toSummary(parsed.output);
      if (matchesFilter(summary, filter))
        listed.push({ key: parsed.output.listKey, value: summary });
    }
    listed.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const after = listed.filter((item) => page.after === undefined || item.key < page.after);
    const items = after.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((item) => item.value),
      ...(after.length > page.limit && last ? { next: last.key } : {}),
    };
  }

  /** The integration items of `pks`, 100 per `BatchGetItem`, retrying what comes back unprocessed. */
  async #getAll(pks: readonly string[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let offset = 0; offset < pks.length; offset += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = pks
        .slice(offset, offset + BATCH_GET_MAX)
        .map((pk) => ({ pk, sk: 'STATE' }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await sleep(50 * 2 ** attempt);
        if (attempt > 8) throw new Error('BatchGetItem left keys unprocessed after 8 retries');
        const result = await this.#client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.#tableName]: {
                Keys: keys,
                ProjectionExpression:
                  '#pk, #state, organizationId, locationId, fulfillmentServiceId, listKey',
                ExpressionAttributeNames: { '#pk': 'pk', '#state': 'state' },
              },
            },
          }),
        );
        items.push(...(result.Responses?.[this.#tableName] ?? []));
        keys = result.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  listQuarantine(filter: QuarantineFilter, page: PageRequest): Promise<Page<QuarantineSummary>> {
    const index = FLEET_INDEXES.records;
    const filters: Record<string, string> =
      filter.source === undefined ? {} : { source: filter.source };
    const partitions = shardQueries(index, RECORD_LIST_PARTITION.quarantine, filters);
    return this.#merged(partitions, page, (item) => {
      const parsed = v.parse(QuarantineIndexItem, item);
      return {
        key: parsed.recordKey,
        value: {
          id: quarantineIdOf(parsed.pk),
          source: parsed.source,
          receivedAt: parsed.receivedAt,
        },
      };
    });
  }

  listNotices(page: PageRequest): Promise<Page<NoticeSummary>> {
    const index = FLEET_INDEXES.records;
    const partitions = shardQueries(index, RECORD_LIST_PARTITION.notice, {});
    return this.#merged(partitions, page, (item) => {
      const parsed = v.parse(NoticeIndexItem, item);
      const { pk, recordKey, ...notice } = parsed;
      return { key: recordKey, value: { id: noticeIdOf(pk), ...notice } };
    });
  }

  async getQuarantine(id: string): Promise<QuarantineDetail | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: quarantineKey(id),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const { pk: _pk, ...item } = v.parse(QuarantineItem, Item);
    return { id, ...item };
  }

  async markQuarantineReplayed(id: string, at: Date): Promise<'marked' | 'already' | 'missing'> {
    const key = quarantineKey(id);
    const marked = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: key,
          UpdateExpression: 'SET replayedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replayedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      ),
    );
    if (marked) return 'marked';
    return (await this.getQuarantine(id)) ? 'already' : 'missing';
  }

  /**
   * Reads up to `page.limit` matching items after `page.after` from each partition, merges
   * them newest first and keeps `page.limit`. More may follow when any partition was not
   * read to its end, or the merge dropped some.
   */
  async #merged<T>(
    partitions: readonly PartitionQuery[],
    page: PageRequest,
    toItem: (item: Record<string, unknown>) => { key: string; value: T },
  ): Promise<Page<T>> {
    const results = await Promise.all(
      partitions.map((partition) => this.#readPartition(partition, page)),
    );
    const all = results.flatMap((result) => result.items.map(toItem));
    all.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const items = all.slice(0, page.limit);
    const more = all.length > page.limit || results.some((result) => result.more);
    const last = items.at(-1);
    return {
      items: items.map((item) => item.value),
      ...(more && last ? { next: last.key } : {}),
    };
  }

  async #readPartition(
    partition: PartitionQuery,
    page: PageRequest,
  ): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    const names: Record<string, string> = {
      '#pk': partition.partitionKey,
    };
    const values: Record<string, unknown> = { ':pk': partition.value };
    let keyCondition = '#pk = :pk';
    if (page.after !== undefined) {
      keyCondition += ' AND #sk < :after';
      names['#sk'] = partition.sortKey;
      values[':after'] = page.after;
    }
    const filters = Object.entries(partition.filters).map(([attribute, value], index) => {
      names[`#f${index}`] = attribute;
      values[`:f${index}`] = value;
      return `#f${index} = :f${index}`;
    });
    return queryFirst(
      this.#client,
      {
        TableName: this.#tableName,
        IndexName: partition.index,
        KeyConditionExpression: keyCondition,
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: Math.max(page.limit, READ_BATCH),
      },
      page.limit,
    );
  }
}
