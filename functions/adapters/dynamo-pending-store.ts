import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { allShards } from '../core/fleet.ts';
import type { PendingEntry, PendingStore } from '../core/ports.ts';
import { PENDING_SHARDS, table } from '../definitions/resources.ts';
import {
  INTEGRATION_PK_PREFIX,
  integrationIdOf,
  integrationKey,
  PENDING_SHARD,
} from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';

/**
 * The stuck-PENDING check's view of the integrations table: the sparse `pending` index the
 * processor fills on `created`. Its alerts go through the alert ledger like every other kind.
 */

const IndexItemSchema = v.object({
  pk: v.pipe(v.string(), v.startsWith(INTEGRATION_PK_PREFIX)),
  pendingSince: v.string(),
});

export class DynamoPendingStore implements PendingStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async *listPendingBefore(cutoff: string): AsyncIterable<PendingEntry> {
    // Every shard, plus the unsharded partition items written before sharding may still use;
    // merged oldest first as one partition would have returned them.
    const partitions = [...allShards(PENDING_SHARD, PENDING_SHARDS), PENDING_SHARD];
    const entries = (
      await Promise.all(partitions.map((shard) => this.#listShard(shard, cutoff)))
    ).flat();
    entries.sort((a, b) =>
      a.pendingSince < b.pendingSince ? -1 : a.pendingSince > b.pendingSince ? 1 : 0,
    );
    yield* entries;
  }

  async #listShard(shard: string, cutoff: string): Promise<PendingEntry[]> {
    const index = table.pendingIndex;
    const entries: PendingEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      // A GSI read is eventually consistent; the check re-reads each integration before acting.
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: index.name,
          KeyConditionExpression: '#shard = :shard AND #since < :cutoff',
          ExpressionAttributeNames: {
            '#shard': index.partitionKey,
            '#since': index.sortKey,
            '#pk': table.partitionKey,
          },
          ExpressionAttributeValues: { ':shard': shard, ':cutoff': cutoff },
          ProjectionExpression: '#pk, #since',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const parsed = v.parse(IndexItemSchema, item);
        entries.push({
          integrationId: integrationIdOf(parsed.pk),
          pendingSince: parsed.pendingSince,
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }

  async clearPending(entry: PendingEntry): Promise<'cleared' | 'changed'> {
    const index = table.pendingIndex;
    const cleared = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: integrationKey(entry.integrationId),
          UpdateExpression: 'REMOVE #shard, #since',
          // A `created` event applied since the read moved `pendingSince`: leave it indexed.
          ConditionExpression: '#since = :since',
          ExpressionAttributeNames: { '#shard': index.partitionKey, '#since': index.sortKey },
          ExpressionAttributeValues: { ':since': entry.pendingSince },
        }),
      ),
    );
    return cleared ? 'cleared' : 'changed';
  }
}
