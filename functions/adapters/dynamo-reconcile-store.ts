import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import {
  HAPPYCOLIS_SUBSCRIPTIONS_PK,
  happycolisSubscriptionKey,
  integrationIdOf,
  integrationKey,
  reconcileSweepKey,
} from '../definitions/table-keys.ts';
import {
  type Subscription,
  SubscriptionSchema,
  type SubscriptionStore,
} from '../happycolis/subscriptions.ts';
import { type Observation, ObservationSchema } from '../reconciler/findings.ts';
import { type ReconcileStore, type Sweep, SweepSchema } from '../reconciler/sweep-state.ts';
import { conditionally } from './conditional-write.ts';

/**
 * The reconciler's records in the table: the sweep item (progress and lease), the observation
 * on each integration's item (the attribute `reconciliation`, beside the registers, which no
 * write here touches), and the HappyColis webhook subscriptions created.
 */

/** The integration item's attribute holding the last observation. */
export const OBSERVATION_ATTRIBUTE = 'reconciliation';

const BATCH_GET_MAX = 100;

export class DynamoReconcileStore implements ReconcileStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async getSweep(): Promise<Sweep | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: reconcileSweepKey, ConsistentRead: true }),
    );
    return this.#sweepOf(Item);
  }

  #sweepOf(item: Record<string, unknown> | undefined): Sweep | undefined {
    if (!item?.sweep) return undefined;
    // A sweep written by another version is started afresh rather than misread.
    const parsed = v.safeParse(SweepSchema, item.sweep);
    return parsed.success ? parsed.output : undefined;
  }

  async lease(owner: string, now: Date, until: Date) {
    let item: Record<string, unknown> | undefined;
    const leased = await conditionally(async () => {
      const result = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: reconcileSweepKey,
          UpdateExpression: 'SET #owner = :owner, #until = :until',
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'leaseOwner', '#until': 'leaseUntil' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':until': until.getTime(),
            ':now': now.getTime(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = result.Attributes;
    });
    return leased ? { sweep: this.#sweepOf(item) } : ('busy' as const);
  }

  async saveSweep(owner: string, sweep: Sweep, until: Date): Promise<'saved' | 'lease-lost'> {
    const saved = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: reconcileSweepKey,
          UpdateExpression: 'SET #sweep = :sweep, #until = :until',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: {
            '#sweep': 'sweep',
            '#owner': 'leaseOwner',
            '#until': 'leaseUntil',
          },
          ExpressionAttributeValues: {
            ':sweep': sweep,
            ':owner': owner,
            ':until': until.getTime(),
          },
        }),
      ),
    );
    return saved ? 'saved' : 'lease-lost';
  }

  async getObservations(ids: readonly string[]): Promise<ReadonlyMap<string, Observation>> {
    const found = new Map<string, Observation>();
    const unique = [...new Set(ids)];
    for (let offset = 0; offset < unique.length; offset += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = unique
        .slice(offset, offset + BATCH_GET_MAX)
        .map((id) => ({ ...integrationKey(id) }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error('BatchGetItem left keys unprocessed after 8 retries');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.#client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.#tableName]: {
                Keys: keys,
                ProjectionExpression: 'pk, #observed',
                ExpressionAttributeNames: { '#observed': OBSERVATION_ATTRIBUTE },
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.#tableName] ?? []) {
          const observation = v.safeParse(ObservationSchema, item[OBSERVATION_ATTRIBUTE]);
          if (observation.success && typeof item.pk === 'string') {
            found.set(integrationIdOf(item.pk), observation.output);
          }
        }
        keys = result.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  async getObservation(id: string): Promise<Observation | undefined> {
    return (await this.getObservations([id])).get(id);
  }

  async putObservation(
    integrationId: string,
    observation: Observation,
  ): Promise<'written' | 'missing'> {
    const written = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: integrationKey(integrationId),
          UpdateExpression: 'SET #observed = :observed',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#observed': OBSERVATION_ATTRIBUTE },
          ExpressionAttributeValues: { ':observed': observation },
        }),
      ),
    );
    return written ? 'written' : 'missing';
  }
}

export class DynamoSubscriptionStore implements SubscriptionStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async claim(record: Subscription, staleBefore: string): Promise<'claimed' | Subscription> {
    const claimed = await conditionally(() =>
      this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: { ...happycolisSubscriptionKey(record.type, record.endpoint), ...record },
          // New, or a claim left by a run that died before HappyColis answered.
          ConditionExpression:
            'attribute_not_exists(pk) OR (attribute_not_exists(#id) AND #claimedAt < :stale)',
          ExpressionAttributeNames: { '#id': 'id', '#claimedAt': 'claimedAt' },
          ExpressionAttributeValues: { ':stale': staleBefore },
        }),
      ),
    );
    if (claimed) return 'claimed';
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: happycolisSubscriptionKey(record.type, record.endpoint),
        ConsistentRead: true,
      }),
    );
    return v.parse(SubscriptionSchema, Item);
  }

  async complete(record: Subscription): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { ...happycolisSubscriptionKey(record.type, record.endpoint), ...record },
      }),
    );
  }

  async remove(type: string, endpoint: string): Promise<void> {
    await this.#client.send(
      new DeleteCommand({
        TableName: this.#tableName,
        Key: happycolisSubscriptionKey(type, endpoint),
      }),
    );
  }

  async list(): Promise<Subscription[]> {
    const subscriptions: Subscription[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': HAPPYCOLIS_SUBSCRIPTIONS_PK },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const parsed = v.safeParse(SubscriptionSchema, item);
        if (parsed.success) subscriptions.push(parsed.output);
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return subscriptions.sort((a, b) =>
      a.endpoint === b.endpoint
        ? a.type.localeCompare(b.type)
        : a.endpoint.localeCompare(b.endpoint),
    );
  }
}
