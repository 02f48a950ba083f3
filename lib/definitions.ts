/**
 * The table, queue and topic, defined once. The CDK stack and the local runtime both build
 * their resources from these values, so the laptop behaves like the cloud: same keys, same
 * batch size, same visibility timeout, same redrive policy.
 */

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
   * Five receives ride out a DynamoDB or SNS blip lasting minutes (each retry waits a full
   * visibility timeout) while a poison message still reaches the DLQ, and its alarm, within
   * about ten minutes.
   */
  maxReceiveCount: 5,
  /** Senders retry for up to 7 days; a backlog must survive at least as long. */
  retentionSeconds: 8 * 24 * 60 * 60,
  /** The DLQ keeps what failed for the SQS maximum, longer than the source queue. */
  dlqRetentionSeconds: 14 * 24 * 60 * 60,
  /** SQS accepts up to 1 MiB; quarantined payloads (≤ 256 KiB, base64) fit with room. */
  maxMessageBytes: 1_048_576,
  /** Caps processor concurrency so a flood cannot outrun DynamoDB on-demand warm-up. */
  maxConcurrency: 10,
} as const;

export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes history, dedupe and quarantine items after it. */
  ttlAttribute: 'expiresAt',
  /**
   * Sparse index of integrations that entered PENDING, sorted by the `created` event date;
   * the stuck-PENDING check reads it instead of scanning the table.
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

export const names = {
  table: 'fulfillment-integrations',
  queue: 'integration-events',
  deadLetterQueue: 'integration-events-dlq',
  topic: 'integration-alerts',
} as const;
