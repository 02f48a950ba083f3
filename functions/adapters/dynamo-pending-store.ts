import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { IntegrationState } from '../core/events.ts';
import { allShards } from '../core/fleet.ts';
import type { PendingEntry, PendingStore } from '../core/ports.ts';
import { FLEET_INDEXES, table } from '../definitions/resources.ts';
import { INTEGRATION_PK_PREFIX, integrationIdOf } from '../definitions/table-keys.ts';
import { queryAll } from './dynamo-query.ts';

/**
 * The stuck-PENDING check's view of the integrations table: the PENDING partitions of the
 * `by-state` list index, whose sort key starts with the date of the `created` event that
 * decided the state. An integration leaves them by itself when its state changes, so the
 * processor writes no index for the check and nothing needs clearing.
 */

const StateIndexItem = v.object({
  pk: v.pipe(v.string(), v.startsWith(INTEGRATION_PK_PREFIX)),
  listKey: v.string(),
});

const toEntry = (item: Record<string, unknown>): PendingEntry => {
  const { pk, listKey } = v.parse(StateIndexItem, item);
  return {
    integrationId: integrationIdOf(pk),
    pendingSince: listKey.slice(0, listKey.indexOf('#')),
  };
};

const byState = FLEET_INDEXES.byState;
const PARTITIONS = allShards('PENDING' satisfies IntegrationState, byState.shards);

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
    yield* found.sort((a, b) =>
      a.pendingSince < b.pendingSince ? -1 : a.pendingSince > b.pendingSince ? 1 : 0,
    );
  }

  async #listPartition(partition: string, cutoff: string): Promise<PendingEntry[]> {
    // A GSI read is eventually consistent; the check re-reads each integration before acting.
    // The sort key starts with the date, so `< cutoff` keeps exactly the earlier dates.
    const items = await queryAll(this.#client, {
      TableName: this.#tableName,
      IndexName: byState.name,
      KeyConditionExpression: '#partition = :value AND #since < :cutoff',
      ExpressionAttributeNames: {
        '#partition': byState.partitionKey,
        '#since': byState.sortKey,
        '#pk': table.partitionKey,
      },
      ExpressionAttributeValues: { ':value': partition, ':cutoff': cutoff },
      ProjectionExpression: '#pk, #since',
    });
    return items.map(toEntry);
  }
}
