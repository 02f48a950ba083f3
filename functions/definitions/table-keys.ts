import { createHash } from 'node:crypto';

/**
 * The key layout of the one table. Every adapter, the bench and the tests build keys here, so
 * a key shape exists once. An integration's item and its history share a partition, so a
 * single Query reads both.
 *
 * | item               | pk                                      | sk                    |
 * |--------------------|-----------------------------------------|-----------------------|
 * | integration        | `INTEGRATION#<id>`                      | `STATE`               |
 * | history event      | `INTEGRATION#<id>`                      | `EVENT#<date>#<type>` |
 * | quarantine         | `QUARANTINE#<hash>`                     | `QUARANTINE`          |
 * | delivery notice    | `NOTICE#<hash>`                         | `NOTICE`              |
 * | alert group head   | `ALERT#<group>`                         | `HEAD`                |
 * | alert incident     | `ALERT#<group>`                         | `INC#<h(integration id)>#<h(incident key)>` |
 * | alert message      | `ALERT#<group>`                         | `MSG#<seq, 10 digits>` |
 * | channel pace slot  | `PACE#<channel>`                        | `PACE`                |
 *
 * An alert group's partition holds its head, its incidents and its messages, so one Query reads
 * a group's incidents (`INC#`), or one integration's incidents in it (`INC#<h(id)>#`). `<group>`
 * is the group key, or `sha256:<hex>` of it when it is long (see `alertGroupPk`); `h` is the
 * base64url SHA-256 (43 characters), which keeps sort keys short and fixed whatever the ids
 * hold: every incident item carries its key, and write units are counted by item size.
 */

/** A primary key of the table. */
export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

/** Prefix of an integration's partition key. */
export const INTEGRATION_PK_PREFIX = 'INTEGRATION#';
/** Sort key of an integration's own item. */
export const STATE_SK = 'STATE';
/** Prefix of a history item's sort key. */
export const EVENT_SK_PREFIX = 'EVENT#';
/** Prefix of a quarantined payload's partition key. */
export const QUARANTINE_PK_PREFIX = 'QUARANTINE#';

/** Partition key of an integration and its history. */
export const integrationPk = (integrationId: string): string =>
  `${INTEGRATION_PK_PREFIX}${integrationId}`;

/** The integration id inside an integration partition key. */
export const integrationIdOf = (pk: string): string => pk.slice(INTEGRATION_PK_PREFIX.length);

/** An integration's own item (its registers). */
export const integrationKey = (integrationId: string): TableKey => ({
  pk: integrationPk(integrationId),
  sk: STATE_SK,
});

/** A history item; `eventId` is `<date>#<type>`. */
export const historyKey = (integrationId: string, eventId: string): TableKey => ({
  pk: integrationPk(integrationId),
  sk: `${EVENT_SK_PREFIX}${eventId}`,
});

/** A quarantined payload, by the hash of its bytes. */
export const quarantineKey = (id: string): TableKey => ({
  pk: `${QUARANTINE_PK_PREFIX}${id}`,
  sk: 'QUARANTINE',
});

/** The quarantine id in a quarantine item's partition key. */
export const quarantineIdOf = (pk: string): string => pk.slice(QUARANTINE_PK_PREFIX.length);

/** Prefix of a delivery-error notice's partition key. */
export const NOTICE_PK_PREFIX = 'NOTICE#';

/** A delivery-error notice, by its hash. */
export const noticeKey = (id: string): TableKey => ({
  pk: `${NOTICE_PK_PREFIX}${id}`,
  sk: 'NOTICE',
});

/** The notice id in a notice item's partition key. */
export const noticeIdOf = (pk: string): string => pk.slice(NOTICE_PK_PREFIX.length);

/**
 * The partition value, before its shard, of the `records` list index for each kind of record
 * (`QUARANTINE#<shard>`, `NOTICE#<shard>`).
 */
export const RECORD_LIST_PARTITION = { quarantine: 'QUARANTINE', notice: 'NOTICE' } as const;

/** Prefix of an alert group's partition key. */
export const ALERT_PK_PREFIX = 'ALERT#';
/** Sort key of an alert group's head (its flush bookkeeping). */
export const ALERT_HEAD_SK = 'HEAD';
/** Prefix of the sort keys of an alert group's incidents. */
export const ALERT_INCIDENT_SK_PREFIX = 'INC#';
/** Prefix of the sort keys of an alert group's messages. */
export const ALERT_MESSAGE_SK_PREFIX = 'MSG#';

/**
 * Group keys up to this many UTF-8 bytes are kept readable in the partition key; longer ones
 * are hashed, well inside DynamoDB's 2,048-byte partition key.
 */
export const MAX_READABLE_GROUP_KEY_BYTES = 1024;

const HASHED = 'sha256:';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const shortHash = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * The partition key of alert group `groupKey`. A group key that could be mistaken for a hash
 * (it starts with `sha256:`) is hashed too, so two group keys never share a partition.
 */
export const alertGroupPk = (groupKey: string): string =>
  Buffer.byteLength(groupKey, 'utf8') > MAX_READABLE_GROUP_KEY_BYTES || groupKey.startsWith(HASHED)
    ? `${ALERT_PK_PREFIX}${HASHED}${sha256(groupKey)}`
    : `${ALERT_PK_PREFIX}${groupKey}`;

/** The head of alert group `groupKey`. */
export const alertHeadKey = (groupKey: string): TableKey => ({
  pk: alertGroupPk(groupKey),
  sk: ALERT_HEAD_SK,
});

/**
 * The sort key prefix of every incident of one integration in a group; incidents without an
 * integration (a quarantined payload, a notice) share the prefix of the empty id.
 */
export const alertIncidentPrefix = (integrationId: string | undefined): string =>
  `${ALERT_INCIDENT_SK_PREFIX}${shortHash(integrationId ?? '')}#`;

/** One incident of alert group `groupKey`, by its integration (if any) and its incident key. */
export const alertIncidentKey = (
  groupKey: string,
  integrationId: string | undefined,
  incidentKey: string,
): TableKey => ({
  pk: alertGroupPk(groupKey),
  sk: `${alertIncidentPrefix(integrationId)}${shortHash(incidentKey)}`,
});

/** Message `seq` (1, 2, …) of alert group `groupKey`; zero-padded so messages sort by number. */
export const alertMessageKey = (groupKey: string, seq: number): TableKey => ({
  pk: alertGroupPk(groupKey),
  sk: `${ALERT_MESSAGE_SK_PREFIX}${String(seq).padStart(10, '0')}`,
});

/** The one slot that spaces the messages of one alert channel (`email`, `slack`). */
export const paceKey = (channel: string): TableKey => ({ pk: `PACE#${channel}`, sk: 'PACE' });

/** The reconciler's one sweep item: progress and lease (see `ReconcileStore`). */
export const reconcileSweepKey: TableKey = { pk: 'RECONCILE', sk: 'SWEEP' };

/** Partition of the HappyColis webhook subscriptions this receiver created. */
export const HAPPYCOLIS_SUBSCRIPTIONS_PK = 'HAPPYCOLIS#SUBSCRIPTIONS';

/** One webhook subscription: by its event type and the endpoint it delivers to. */
export const happycolisSubscriptionKey = (type: string, endpoint: string): TableKey => ({
  pk: HAPPYCOLIS_SUBSCRIPTIONS_PK,
  sk: `SUB#${shortHash(`${type}\n${endpoint}`)}`,
});
