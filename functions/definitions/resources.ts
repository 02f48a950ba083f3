/**
 * The table, queue and topic, defined once. The CDK stack and the local runtime both build
 * their resources from these values, so the laptop behaves like the cloud: same keys, same
 * batch size, same visibility timeout, same redrive policy.
 */

import { DAY_SECONDS } from './expiry.ts';

/** How long every dead-letter queue keeps what failed: the SQS maximum. */
export const DLQ_RETENTION_DAYS = 14;

/** How long one processor invocation may run. Everything queue-related derives from it. */
export const PROCESSOR_TIMEOUT_SECONDS = 20;

export const pipeline = {
  /** Records handed to one processor invocation. */
  batchSize: 10,
  /** How long the event source mapping may wait to fill a batch. */
  maxBatchingWindowSeconds: 1,
  /**
   * AWS asks for at least 6× the function timeout so a record that is retried by the Lambda
   * service inside one receive never becomes visible to a second poller meanwhile.
   */
  visibilityTimeoutSeconds: 6 * PROCESSOR_TIMEOUT_SECONDS,
  /**
   * A few receives ride out a DynamoDB or SNS blip lasting minutes (each retry waits a full
   * visibility timeout) while a poison message still reaches the DLQ, and its alarm, within
   * about ten minutes.
   */
  maxReceiveCount: 5,
  /** Senders retry for up to 7 days; a backlog must survive at least as long. */
  retentionSeconds: 8 * DAY_SECONDS,
  /** The DLQ keeps what failed for the SQS maximum, longer than the source queue. */
  dlqRetentionSeconds: DLQ_RETENTION_DAYS * DAY_SECONDS,
  /** SQS accepts up to 1 MiB; quarantined payloads (≤ 256 KiB, base64) fit with room. */
  maxMessageBytes: 1_048_576,
  /**
   * Default cap on concurrent processor executions (the event source mapping's
   * `MaximumConcurrency`; the `processorMaxConcurrency` context value overrides it in the
   * cloud). Lambda's minimum: with the chat notifiers' mappings at the minimum too, the queue
   * consumers take at most 4 executions, so an account whose concurrency quota is 10 keeps
   * room for the ingest, which must answer every webhook. A backlog drains more slowly
   * instead, which the queue absorbs.
   */
  maxConcurrency: 2,
} as const;

/** The queue between the alerts topic and each chat channel's notifier, and its dead-letter queue. */
export const notifierQueue = {
  /** Alerts handed to one notifier invocation. */
  batchSize: 1,
  /**
   * Receives of one alert before the queue parks it in its DLQ. Ten: a burst of alerts waits
   * for its turn at the channel's pace inside the notifier, and a delivery that times out waiting
   * counts as a receive without any post.
   */
  maxReceiveCount: 10,
  /** Alerts are worth little after a few days; the DLQ keeps the failures longer. */
  retentionSeconds: 4 * DAY_SECONDS,
  dlqRetentionSeconds: DLQ_RETENTION_DAYS * DAY_SECONDS,
} as const;

/** Lambda's smallest `MaximumConcurrency` for an SQS event source mapping. */
export const MIN_MAPPING_CONCURRENCY = 2;

/**
 * Most concurrent executions all queue consumers may take together by default: the mapping
 * minimum for each of up to three consumers. An account with the smallest concurrency quota
 * (10) keeps at least 4 for the ingest, the query and the scheduled check.
 */
export const CONSUMERS_CONCURRENCY_BUDGET = 3 * MIN_MAPPING_CONCURRENCY;

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

/** Shards of the former `pending` index: the stuck-PENDING check reads them all. */
export const PENDING_SHARDS = 4;

/**
 * The operator's list indexes (see `FLEET_INDEXES`): which attributes each copies besides its
 * keys. Only what the list shows and filters on, so an index entry stays small and a write
 * that changes none of them leaves the index alone.
 */
const INTEGRATION_LIST_ATTRIBUTES = [
  'state',
  'organizationId',
  'locationId',
  'fulfillmentServiceId',
];
export const fleetIndexes = [
  {
    ...FLEET_INDEXES.byState,
    // `state` too: the key holds it only as `<state>#<shard>`, and it changes with the key.
    projection: INTEGRATION_LIST_ATTRIBUTES,
  },
  // Keys only: copying the state or the list key would rewrite the entry on every change.
  { ...FLEET_INDEXES.byOrganization, projection: 'KEYS_ONLY' },
  { ...FLEET_INDEXES.byLocation, projection: 'KEYS_ONLY' },
  {
    ...FLEET_INDEXES.records,
    projection: ['source', 'receivedAt', 'code', 'endpoint', 'message'],
  },
] as const;

export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes history, dedupe and quarantine items after it. */
  ttlAttribute: 'expiresAt',
  /**
   * Sparse index of integrations that entered PENDING, sorted by the `created` event date,
   * which earlier versions wrote on every applied `created`. Nothing writes it any more: the
   * stuck-PENDING check reads the `by-state` index's PENDING partitions, and this one only
   * until the check has cleared what is left in it (see `docs/operations.md`).
   */
  pendingIndex: {
    name: 'pending',
    partitionKey: 'pendingShard',
    sortKey: 'pendingSince',
    /**
     * The check reads only keys from the index (then the item itself), so the index copies
     * nothing else: every integration write costs less.
     */
    projection: 'KEYS_ONLY',
  },
} as const;

export const retention = {
  /** History and dedupe memory outlive every sender's retry window (7 days) with margin. */
  historyDays: 90,
  quarantineDays: 30,
  noticeDays: 30,
} as const;

/** Size limit of a webhook body, checked before anything else. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Fixed names of the local runtime's emulated resources. The cloud uses none of them:
 * CloudFormation names every resource after its stack, so stages coexist in one account.
 */
export const names = {
  table: 'fulfillment-integrations',
  queue: 'integration-events',
  deadLetterQueue: 'integration-events-dlq',
  topic: 'integration-alerts',
} as const;
