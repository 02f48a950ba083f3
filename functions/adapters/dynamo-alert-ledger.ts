import { randomUUID } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { byOccurrence } from '../alerting/domain/grouping.ts';
import { type Alert, AlertSchema } from '../core/alerts.ts';
import type {
  AlertChannel,
  AlertLedger,
  ChannelClaim,
  GroupHead,
  IncidentState,
  MessageRef,
  RecordTiming,
} from '../core/ports.ts';
import { expiresAt } from '../definitions/expiry.ts';
import {
  ALERT_INCIDENT_SK_PREFIX,
  alertGroupPk,
  alertHeadKey,
  alertIncidentKey,
  alertIncidentPrefix,
  alertMessageKey,
} from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';
import { putOnce } from './put-once.ts';

/**
 * The alert ledger in the integrations table: one partition per alert group (`alertGroupPk`)
 * holding its head, its incidents and its numbered messages (see `table-keys.ts`).
 *
 * Every step is one conditional write on one item, idempotent on its own, so a crash between
 * two steps is repaired by the caller's retry: no transactions. Condition refusals become the
 * port's outcomes; any other error propagates, so the caller's record is retried.
 *
 * Items (times in epoch ms unless said otherwise; `expiresAt` in epoch seconds, on every item):
 * - head: `armed`, `armedAt`, `seq`, `open`, `lastFlushAt`, `flushLeaseUntil`, `groupKey`.
 * - incident: `alert` (Brotli-compressed JSON), `recordedAt` (ISO), `digest` (the message it
 *   was assigned to), `resolvedAt`, `resolvedBy` (the resolving event's id).
 * - message: per channel `<channel>State` (`claimed` | `sent`), `<channel>LeaseUntil`,
 *   `<channel>Token`, `<channel>SentAt`.
 *
 * An incident item is written three times (recorded, assigned, resolved), each billed on its
 * size, and all of a group's incidents share one partition (1,000 write units/s) during the
 * outage that fills it: compressed, a 2 KB errored alert fits a one-unit item.
 */

/** Conditional writes issued at once when assigning or resolving many incidents. */
const PARALLEL_WRITES = 16;

const HeadItemSchema = v.object({
  armed: v.optional(v.boolean()),
  armedAt: v.optional(v.number()),
  seq: v.optional(v.number()),
  open: v.optional(v.number()),
  lastFlushAt: v.optional(v.number()),
});

const IncidentItemSchema = v.object({
  alert: v.instance(Uint8Array),
  digest: v.optional(v.number()),
  resolvedAt: v.optional(v.number()),
  resolvedBy: v.optional(v.string()),
});
type IncidentItem = v.InferOutput<typeof IncidentItemSchema>;

const IncidentStateItemSchema = v.object({
  digest: v.optional(v.number()),
  resolvedAt: v.optional(v.number()),
});

const MessageChannelSchema = v.object({
  state: v.optional(v.picklist(['claimed', 'sent'])),
  leaseUntil: v.optional(v.number()),
});

const SortKeySchema = v.object({ sk: v.string() });

/** The attribute names of one channel's bookkeeping on a message item. */
const channelNames = (channel: AlertChannel) => ({
  '#state': `${channel}State`,
  '#lease': `${channel}LeaseUntil`,
  '#token': `${channel}Token`,
  '#sentAt': `${channel}SentAt`,
});

const headOf = (item: Record<string, unknown> | undefined): GroupHead => {
  const head = v.parse(HeadItemSchema, item ?? {});
  return {
    armed: head.armed ?? false,
    seq: head.seq ?? 0,
    ...(head.armed && head.armedAt !== undefined ? { armedAt: head.armedAt } : {}),
    ...(head.lastFlushAt === undefined ? {} : { lastFlushAt: head.lastFlushAt }),
    ...(head.open === undefined ? {} : { open: head.open }),
  };
};

const compressed = (alert: Alert): Uint8Array => brotliCompressSync(JSON.stringify(alert));

const alertOf = (item: IncidentItem): Alert =>
  v.parse(AlertSchema, JSON.parse(brotliDecompressSync(item.alert).toString('utf8')));

/** Runs `work` over `items`, at most `limit` at a time, keeping the results in order. */
const mapBounded = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

/** The one `AlertLedger`, over the integrations table (layout above). */
export class DynamoAlertLedger implements AlertLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #retentionDays: number;

  constructor(options: {
    client: DynamoDBDocumentClient;
    tableName: string;
    /**
     * How long every ledger item is kept after its latest write; must outlive every sender's
     * retry window (use `retention.historyDays`).
     */
    retentionDays: number;
  }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#retentionDays = options.retentionDays;
  }

  async record(
    groupKey: string,
    alert: Alert,
    timing: RecordTiming,
  ): Promise<{ status: 'recorded' } | { status: 'exists'; state: IncidentState }> {
    const key = alertIncidentKey(groupKey, alert.integration?.id, alert.incidentKey);
    const written = await putOnce(this.#client, this.#tableName, {
      ...key,
      alert: compressed(alert),
      recordedAt: timing.recordedAt,
      // Never shorter than the ledger's retention, whatever the caller computed.
      expiresAt: Math.max(
        timing.expiresAt,
        this.#expiresAt(new Date(Date.parse(timing.recordedAt) || Date.now())),
      ),
    });
    if (written === 'recorded') return { status: 'recorded' };
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: 'digest, resolvedAt',
      }),
    );
    const item = v.parse(IncidentStateItemSchema, Item ?? {});
    const state: IncidentState =
      item.resolvedAt !== undefined
        ? 'resolved'
        : item.digest !== undefined
          ? 'reported'
          : 'pending';
    return { status: 'exists', state };
  }

  async head(groupKey: string): Promise<GroupHead> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: alertHeadKey(groupKey),
        ConsistentRead: true,
        ProjectionExpression: 'armed, armedAt, seq, #open, lastFlushAt',
        ExpressionAttributeNames: { '#open': 'open' },
      }),
    );
    return headOf(Item);
  }

  async arm(groupKey: string, at: Date, lostBefore?: Date): Promise<'armed' | 'already'> {
    const armed = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: alertHeadKey(groupKey),
          UpdateExpression:
            'SET armed = :true, armedAt = :at, groupKey = :groupKey, expiresAt = :expiresAt',
          ConditionExpression: `attribute_not_exists(armed) OR armed = :false${
            lostBefore ? ' OR armedAt < :lostBefore' : ''
          }`,
          ExpressionAttributeValues: {
            ':true': true,
            ':false': false,
            ...(lostBefore ? { ':lostBefore': lostBefore.getTime() } : {}),
            ':at': at.getTime(),
            // Kept readable on the head: a hashed partition key does not say which group it is.
            ':groupKey': groupKey,
            ':expiresAt': this.#expiresAt(at),
          },
        }),
      ),
    );
    return armed ? 'armed' : 'already';
  }

  async beginFlush(groupKey: string, now: Date, leaseMs: number): Promise<GroupHead | 'busy'> {
    const at = now.getTime();
    let attributes: Record<string, unknown> | undefined;
    const granted = await conditionally(async () => {
      const result = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: alertHeadKey(groupKey),
          UpdateExpression:
            'SET flushLeaseUntil = :until, armed = :false, groupKey = :groupKey, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(flushLeaseUntil) OR flushLeaseUntil < :now',
          ExpressionAttributeValues: {
            ':until': at + leaseMs,
            ':false': false,
            ':now': at,
            ':groupKey': groupKey,
            ':expiresAt': this.#expiresAt(now),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = result.Attributes;
    });
    return granted ? headOf(attributes) : 'busy';
  }

  async collect(ref: MessageRef, options: { readonly assign: boolean }): Promise<readonly Alert[]> {
    // The filter only trims what travels back: items are read (and paid for) either way.
    const items = await this.#queryIncidents(
      ref.groupKey,
      ALERT_INCIDENT_SK_PREFIX,
      options.assign
        ? 'attribute_not_exists(resolvedAt) AND (attribute_not_exists(digest) OR digest = :seq)'
        : 'attribute_not_exists(resolvedAt) AND digest = :seq',
      { ':seq': ref.seq },
    );
    const kept = await mapBounded(items, PARALLEL_WRITES, async ({ sk, item }) => {
      if (item.digest === ref.seq) return item;
      if (item.digest !== undefined) return undefined;
      const assigned = await conditionally(() =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { pk: alertGroupPk(ref.groupKey), sk },
            UpdateExpression: 'SET digest = :seq',
            ConditionExpression:
              'attribute_not_exists(digest) AND attribute_not_exists(resolvedAt)',
            ExpressionAttributeValues: { ':seq': ref.seq },
          }),
        ),
      );
      // Refused: resolved meanwhile (or taken by another message), so not this message's.
      return assigned ? item : undefined;
    });
    return kept
      .filter((item): item is IncidentItem => item !== undefined)
      .map(alertOf)
      .sort(byOccurrence);
  }

  async open(ref: MessageRef, at: Date): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: alertHeadKey(ref.groupKey),
        UpdateExpression:
          'SET seq = :seq, #open = :seq, lastFlushAt = :at, groupKey = :groupKey, expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#open': 'open' },
        ExpressionAttributeValues: {
          ':seq': ref.seq,
          ':at': at.getTime(),
          ':groupKey': ref.groupKey,
          ':expiresAt': this.#expiresAt(at),
        },
      }),
    );
  }

  async close(ref: MessageRef): Promise<void> {
    // Refused when the head is gone or a later message is open: nothing of ours to close.
    await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: alertHeadKey(ref.groupKey),
          UpdateExpression: 'REMOVE #open, flushLeaseUntil',
          ConditionExpression:
            'attribute_exists(pk) AND (#open = :seq OR attribute_not_exists(#open))',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':seq': ref.seq },
        }),
      ),
    );
  }

  async endFlush(groupKey: string): Promise<void> {
    // The condition keeps an update from creating an empty head for a group that has none.
    await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: alertHeadKey(groupKey),
          UpdateExpression: 'REMOVE flushLeaseUntil',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  async claim(
    ref: MessageRef,
    channel: AlertChannel,
    now: Date,
    leaseMs: number,
  ): Promise<ChannelClaim> {
    const key = alertMessageKey(ref.groupKey, ref.seq);
    const at = now.getTime();
    const token = randomUUID();
    const claimed = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: key,
          UpdateExpression:
            'SET #state = :claimed, #lease = :until, #token = :token, expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression:
            'attribute_not_exists(#state) OR (#state = :claimed AND #lease < :now)',
          ExpressionAttributeNames: {
            '#state': channelNames(channel)['#state'],
            '#lease': channelNames(channel)['#lease'],
            '#token': channelNames(channel)['#token'],
          },
          ExpressionAttributeValues: {
            ':claimed': 'claimed',
            ':until': at + leaseMs,
            ':token': token,
            ':now': at,
            ':expiresAt': this.#expiresAt(now),
          },
        }),
      ),
    );
    if (claimed) return { status: 'claimed', token };
    const names = channelNames(channel);
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#state, #lease',
        ExpressionAttributeNames: { '#state': names['#state'], '#lease': names['#lease'] },
      }),
    );
    const state = Item?.[names['#state']];
    const lease = Item?.[names['#lease']];
    const message = v.parse(MessageChannelSchema, { state, leaseUntil: lease });
    if (message.state === 'sent') return { status: 'sent' };
    // Refused, so a claim was there; its lease ends when the item says (or now, if unreadable).
    return { status: 'busy', leaseUntil: message.leaseUntil ?? at };
  }

  async markSent(ref: MessageRef, channel: AlertChannel, token: string, at: Date): Promise<void> {
    const names = channelNames(channel);
    // Refused when another claimer took over after our lease ended: theirs is the claim now.
    await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: alertMessageKey(ref.groupKey, ref.seq),
          UpdateExpression: 'SET #state = :sent, #sentAt = :at',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: {
            '#state': names['#state'],
            '#sentAt': names['#sentAt'],
            '#token': names['#token'],
          },
          ExpressionAttributeValues: { ':sent': 'sent', ':at': at.getTime(), ':token': token },
        }),
      ),
    );
  }

  async resolve(
    groupKey: string,
    integrationId: string,
    by: { readonly eventId: string; readonly at: Date },
  ): Promise<readonly Alert[]> {
    const items = await this.#queryIncidents(groupKey, alertIncidentPrefix(integrationId));
    const ours = await mapBounded(items, PARALLEL_WRITES, async ({ sk, item }) => {
      if (item.resolvedAt !== undefined) return item;
      const key = { pk: alertGroupPk(groupKey), sk };
      let updated: Record<string, unknown> | undefined;
      const resolved = await conditionally(async () => {
        const result = await this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: key,
            UpdateExpression: 'SET resolvedAt = :at, resolvedBy = :eventId',
            ConditionExpression: 'attribute_not_exists(resolvedAt)',
            ExpressionAttributeValues: { ':at': by.at.getTime(), ':eventId': by.eventId },
            ReturnValues: 'ALL_NEW',
          }),
        );
        updated = result.Attributes;
      });
      if (resolved) return v.parse(IncidentItemSchema, updated);
      // Resolved meanwhile, maybe by this same event retried elsewhere: read who did it.
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#tableName, Key: key, ConsistentRead: true }),
      );
      return Item ? v.parse(IncidentItemSchema, Item) : undefined;
    });
    return ours
      .filter(
        (item): item is IncidentItem =>
          item !== undefined && item.digest !== undefined && item.resolvedBy === by.eventId,
      )
      .map(alertOf)
      .sort(byOccurrence);
  }

  /** Every incident item of a group under `skPrefix`, following Query's 1 MB pages. */
  async #queryIncidents(
    groupKey: string,
    skPrefix: string,
    filter?: string,
    filterValues: Record<string, unknown> = {},
  ): Promise<{ sk: string; item: IncidentItem }[]> {
    const found: { sk: string; item: IncidentItem }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ...(filter ? { FilterExpression: filter } : {}),
          ExpressionAttributeValues: {
            ':pk': alertGroupPk(groupKey),
            ':prefix': skPrefix,
            ...filterValues,
          },
          ProjectionExpression: 'sk, alert, digest, resolvedAt, resolvedBy',
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        found.push({
          sk: v.parse(SortKeySchema, item).sk,
          item: v.parse(IncidentItemSchema, item),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  #expiresAt(now: Date): number {
    return expiresAt(now, this.#retentionDays);
  }
}
