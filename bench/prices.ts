/**
 * Every price the cost model uses, in one place: AWS us-east-1 on-demand list prices in USD,
 * as published on the services' pricing pages and assumed current on {@link PRICES_AS_OF}.
 * The bench machine has no internet access, so nothing here is fetched; update the table
 * (and the date) by hand. Free tiers are ignored: they do not scale with traffic.
 */
export const PRICES_AS_OF = '2025-06-01';

export const PRICES = {
  /** API Gateway HTTP API, first 300 M requests a month; each 512 KB of a request is one. */
  httpApiPerMillionRequests: 1.0,
  httpApiRequestChunkBytes: 512 * 1024,
  /** Lambda, per invocation. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda duration on arm64 (the stack's architecture), first 7.5 B GB-s a month. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Lambda bills duration rounded up to the millisecond. */
  lambdaBillingGranularityMs: 1,
  /** SQS standard queue; every 64 KB of a request's payload counts as one request. */
  sqsPerMillionRequests: 0.4,
  sqsRequestChunkBytes: 64 * 1024,
  /** DynamoDB on-demand, Standard table class (the 2024-11-01 price cut). */
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  /** SNS standard topic publishes; every 64 KB of payload counts as one. */
  snsPerMillionPublishes: 0.5,
  snsPublishChunkBytes: 64 * 1024,
  /**
   * SNS email deliveries. Reported beside the total, not in it: how many alerts a million
   * webhooks cause depends on how often integrations fail, not on this design.
   */
  snsPerEmailDelivery: 2.0 / 100_000,
} as const;

/**
 * The documented comparison design: Powertools idempotency (a conditional put of an
 * `INPROGRESS` record, then an update to `COMPLETED`) around one `TransactWriteItems` of the
 * two items (history + integration). Transactional writes cost twice the WRUs of the item.
 */
export const POWERTOOLS_TRANSACTION_BASELINE = {
  /** Write requests per fresh event: 2 idempotency writes + 1 transaction. */
  writeRequestsPerEvent: 3,
  /** WRUs of one idempotency record write (a small item, well under 1 KB). */
  idempotencyWriteUnits: 1,
  /** Multiplier DynamoDB applies to each item of a transaction. */
  transactionUnitFactor: 2,
  /**
   * A duplicate fails the idempotency put and then reads the stored record (consistent
   * GetItem of a small item): 1 write request, 1 RRU, no transaction.
   */
  duplicateReadUnits: 1,
} as const;

/**
 * Fixed monthly prices of what a stage holds whether or not traffic flows (us-east-1 list
 * prices, same date). Secrets are the operator's, but the stage cannot run without them.
 */
export const IDLE_PRICES = {
  /** A customer-managed KMS key, per month (requests are in the traffic cost). */
  kmsKeyPerMonth: 1.0,
  /** A standard-resolution CloudWatch alarm on one metric. */
  alarmPerMonth: 0.1,
  /** A CloudWatch dashboard beyond the account's three free ones. */
  dashboardPerMonth: 3.0,
  /** A Secrets Manager secret. */
  secretPerMonth: 0.4,
  sqsPerRequest: 0.4 / 1_000_000,
  /**
   * An SQS event source mapping keeps long-polling an empty queue: AWS describes five
   * pollers to start with, each receive waiting up to 20 s. An estimate, not a measurement.
   */
  pollersPerMapping: 5,
  longPollSeconds: 20,
} as const;

/**
 * CloudWatch's always-free tier, per account and region, shared by every stage and anything
 * else in the account (https://aws.amazon.com/cloudwatch/pricing/, "Free tier"): the first
 * three dashboards of up to 50 metrics each, and the first ten alarm metrics (standard
 * resolution). The idle cost leaves it out, because whether a stage gets it depends on the rest
 * of the account, and reports it beside the total.
 */
export const CLOUDWATCH_FREE_TIER = {
  dashboards: 3,
  metricsPerFreeDashboard: 50,
  alarmMetrics: 10,
  source: 'https://aws.amazon.com/cloudwatch/pricing/',
} as const;
