import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { IntegrationState } from '../core/events.ts';
import { allShards } from '../core/fleet.ts';
import type { PendingEntry, PendingStore } from '../core/ports.ts';
import { FLEET_INDEXES, PENDING_SHARDS, table } from '../definitions/resources.ts';
import {
  INTEGRATION_PK_PREFIX,
  integrationIdOf,
  integrationKey,
  PENDING_SHARD,
} from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';
import { queryAll } from './dynamo-query.ts';

/**
 * The stuck-PENDING check's view of the integrations table: the PENDING partitions of the
 * `by-state` list index, whose sort key starts with the date of the `created` event that
 * decided the state. An integration leaves them by itself when its state changes, so the
 * processor writes no index for the check and nothing needs clearing.
 *
 * Items written by earlier versions may still sit in the sparse `pending` index (written on
 * every applied `created`, cleared by the check once the integration moved on): it is read
 * too, and cleared as before, until it is empty. Its alerts go through the alert ledger like
 * every other kind.
 */

const PendingIndexItem = v.object({
  pk: v.pipe(v.string(), v.startsWith(INTEGRATION_PK_PREFIX)),
  pendingSince: v.string(),
});

const StateIndexItem = v.object({
  pk: v.pipe(v.string(), v.startsWith(INTEGRATION_PK_PREFIX)),
  listKey: v.string(),
});

/** One index partition to read, and how its items name the date the integration became PENDING. */
interface PendingPartition {
  readonly index: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly value: string;
  readonly toEntry: (item: Record<string, unknown>) => PendingEntry;
}

const fromStateIndex = (item: Record<string, unknown>): PendingEntry => {
  const { pk, listKey } = v.parse(StateIndexItem, item);
  return {
    integrationId: integrationIdOf(pk),
    pendingSince: listKey.slice(0, listKey.indexOf('#')),
  };
};

const fromPendingIndex = (item: Record<string, unknown>): PendingEntry => {
  const { pk, pendingSince } = v.parse(PendingIndexItem, item);
  return { integrationId: integrationIdOf(pk), pendingSince };
};

const byState = FLEET_INDEXES.byState;
const legacy = table.pendingIndex;
const PARTITIONS: readonly PendingPartition[] = [
  ...allShards('PENDING' satisfies IntegrationState, byState.shards).map((value) => ({
    index: byState.name,
    partitionKey: byState.partitionKey,
    sortKey: byState.sortKey,
    value,
    toEntry: fromStateIndex,
  })),
  // The former `pending` index: every shard, plus the unsharded partition before that.
  ...[...allShards(PENDING_SHARD, PENDING_SHARDS), PENDING_SHARD].map((value) => ({
    index: legacy.name,
    partitionKey: legacy.partitionKey,
    sortKey: legacy.sortKey,
    value,
    toEntry: fromPendingIndex,
  })),
];

export class DynamoPendingStore implements PendingStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async *listPendingBefore(cutoff: string): AsyncIterable<PendingEntry> {
    const found = (
      await Promise.all(PARTITIONS.map((partition) => this.#listPartition(partition, cutoff)))
    ).flat();
    // An integration still PENDING since before this version is in both indexes: one entry,
    // the former index's (read last, so it wins), which `clearPending` can take out once the
    // integration moves on.
    const entries = new Map<string, PendingEntry>();
    for (const entry of found) entries.set(entry.integrationId, entry);
    yield* [...entries.values()].sort((a, b) =>
      a.pendingSince < b.pendingSince ? -1 : a.pendingSince > b.pendingSince ? 1 : 0,
    );
  }

  async #listPartition(partition: PendingPartition, cutoff: string): Promise<PendingEntry[]> {
    // A GSI read is eventually consistent; the check re-reads each integration before acting.
    // Both sort keys start with the date, so `< cutoff` keeps exactly the earlier dates.
    const items = await queryAll(this.#client, {
      TableName: this.#tableName,
      IndexName: partition.index,
      KeyConditionExpression: '#partition = :value AND #since < :cutoff',
      ExpressionAttributeNames: {
        '#partition': partition.partitionKey,
        '#since': partition.sortKey,
        '#pk': table.partitionKey,
      },
      ExpressionAttributeValues: { ':value': partition.value, ':cutoff': cutoff },
      ProjectionExpression: '#pk, #since',
    });
    return items.map(partition.toEntry);
  }

  async clearPending(entry: PendingEntry): Promise<'cleared' | 'changed'> {
    const index = table.pendingIndex;
    const cleared = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: integrationKey(entry.integrationId),
          UpdateExpression: 'REMOVE #shard, #since',
          // Only an entry of the former `pending` index has anything to clear; a `created` event
          // applied since the read moved it (earlier versions) leaves it indexed.
          ConditionExpression: '#since = :since',
          ExpressionAttributeNames: { '#shard': index.partitionKey, '#since': index.sortKey },
          ExpressionAttributeValues: { ':since': entry.pendingSince },
        }),
      ),
    );
    return cleared ? 'cleared' : 'changed';
  }
}
