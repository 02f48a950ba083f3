import { pipeline } from '../functions/definitions/resources.ts';
import { type CallCounts, type CallStats, isDynamoRead, isDynamoWrite } from './aws-proxy.ts';
import type { EventKind, KindFigures } from './pipeline.ts';
import { POWERTOOLS_TRANSACTION_BASELINE, PRICES, PRICES_AS_OF } from './prices.ts';
import { ratio, round } from './stats.ts';

/**
 * On-paper cost of a million webhooks, from what the end-to-end run actually did: its
 * DynamoDB requests and the capacity units dynalite reported for them, its SNS publishes, and
 * measured duration proxies for the two Lambda functions on the path. The comparison design
 * (Powertools idempotency + `TransactWriteItems`) goes through the same model with its state
 * writes swapped in, everything else equal.
 */

/** Memory of the ingest and processor functions (the stack's function props set 256 MB). */
export const LAMBDA_MEMORY_MB = 256;

export interface CostInputs {
  readonly events: number;
  readonly counts: CallCounts;
  /** Ingest duration proxy: the runtime's ack p50 at concurrency 1 (verify + SendMessage). */
  readonly ingestMs: number;
  readonly kinds: Readonly<Record<EventKind, KindFigures>>;
  readonly meanQueueMessageBytes: number;
  readonly meanWebhookBytes: number;
}

export interface CostLines {
  readonly httpApi: number;
  readonly ingestLambda: number;
  readonly processorLambda: number;
  readonly sqs: number;
  readonly dynamodb: number;
  readonly sns: number;
}

export interface CostResult {
  readonly usdPerMillion: number;
  readonly baselineUsdPerMillion: number;
  readonly ratio: number;
  readonly pricesAsOf: string;
  readonly breakdown: CostLines;
  readonly baselineBreakdown: CostLines;
  readonly perEvent: {
    readonly writeRequests: number;
    readonly writeUnits: number;
    /** The part of `writeUnits` spent on index entries (list indexes, `records`). */
    readonly indexWriteUnits: number;
    readonly readUnits: number;
    readonly baselineWriteRequests: number;
    readonly baselineWriteUnits: number;
    readonly baselineReadUnits: number;
    readonly snsPublishes: number;
    readonly sqsRequests: number;
  };
  /** Per event, each kind of DynamoDB call: requests and capacity units (as charged). */
  readonly dynamodbCalls: Readonly<
    Record<string, { readonly requests: number; readonly units: number }>
  >;
  readonly assumptions: {
    readonly memoryMb: number;
    readonly ingestMs: number;
    readonly processorBatchMs: number;
    readonly mix: Readonly<Record<EventKind, number>>;
    /** What email deliveries would add if every alert were emailed (not in the total). */
    readonly emailUsdPerMillion: number;
  };
}

const MILLION = 1_000_000;
const stats = (counts: CallCounts, key: string): CallStats =>
  counts[key] ?? {
    requests: 0,
    conditionFailed: 0,
    capacityUnits: 0,
    indexedWrites: 0,
    indexedWriteUnits: 0,
  };

/** Mean units of one successful call of this kind; 1 when none succeeded. */
const unitsPerSuccess = (s: CallStats): number => {
  const succeeded = s.requests - s.conditionFailed;
  return succeeded > 0 ? s.capacityUnits / succeeded : 1;
};

/**
 * Write units a set of calls consumed. dynalite reports units for successful writes only; a
 * refused conditional write is still charged by DynamoDB (the item's size, at least 1 WRU),
 * so it is charged like a successful write of the same kind. The `pending` GSI projects keys
 * only, so only writes that set its keys (the `created` register) also write the index.
 */
const writeUnits = (s: CallStats): number =>
  s.capacityUnits + s.conditionFailed * unitsPerSuccess(s) + s.indexedWriteUnits;

const chunks = (bytes: number, chunk: number) => Math.max(1, Math.ceil(bytes / chunk));

/** Lambda cost of `invocations` each lasting `ms`, billed per ms at the configured memory. */
const lambdaUsd = (invocations: number, ms: number): number => {
  const billedMs =
    Math.ceil(ms / PRICES.lambdaBillingGranularityMs) * PRICES.lambdaBillingGranularityMs;
  const gbSeconds = invocations * (LAMBDA_MEMORY_MB / 1024) * (billedMs / 1000);
  return (
    (invocations / MILLION) * PRICES.lambdaPerMillionRequests +
    gbSeconds * PRICES.lambdaArmPerGbSecond
  );
};

const total = (lines: CostLines) => Object.values(lines).reduce((sum, usd) => sum + usd, 0);
const rounded = (lines: CostLines): CostLines => ({
  httpApi: round(lines.httpApi, 4),
  ingestLambda: round(lines.ingestLambda, 4),
  processorLambda: round(lines.processorLambda, 4),
  sqs: round(lines.sqs, 4),
  dynamodb: round(lines.dynamodb, 4),
  sns: round(lines.sns, 4),
});

export const computeCost = (inputs: CostInputs): CostResult => {
  const { counts, events } = inputs;
  const perMillion = MILLION / events;

  // What the run's events were, from its own calls: each alerting event recorded an incident in
  // the alert ledger, each stale one read the integration back, each duplicate found its
  // history item there. (A duplicate `accepted`/`created` also reads the integration, to see
  // whether it resolves an incident: those count as stale here, which only shifts the
  // processor-duration weighting a little.)
  const history = stats(counts, 'DynamoDB.PutItem history');
  const integration = stats(counts, 'DynamoDB.UpdateItem integration');
  const integrationReads = stats(counts, 'DynamoDB.GetItem integration');
  const publishes = stats(counts, 'SNS.Publish').requests;
  const incidentPuts = stats(counts, 'DynamoDB.PutItem alert-incident');
  const alerting = incidentPuts.requests - incidentPuts.conditionFailed;
  const duplicates = history.conditionFailed;
  // The store reads the integration before each write attempt (one per event, one more per
  // write another event raced); the processor's own read after a refusal is what marks an
  // event stale (or an anomaly).
  const staleEvents = Math.max(0, integrationReads.requests - events - integration.conditionFailed);
  const mix: Record<EventKind, number> = {
    alerting: alerting / events,
    stale: staleEvents / events,
    duplicate: duplicates / events,
    fresh: Math.max(0, events - alerting - staleEvents - duplicates) / events,
  };
  const processorBatchMs = (Object.keys(mix) as EventKind[]).reduce(
    (sum, kind) => sum + mix[kind] * inputs.kinds[kind].batchMs,
    0,
  );

  let ourWriteUnits = 0;
  let ourReadUnits = 0;
  let ourWriteRequests = 0;
  let ourIndexUnits = 0;
  const dynamodbCalls: Record<string, { requests: number; units: number }> = {};
  for (const [key, s] of Object.entries(counts)) {
    if (isDynamoWrite(key)) {
      ourWriteUnits += writeUnits(s);
      ourWriteRequests += s.requests;
      ourIndexUnits += s.indexedWriteUnits;
      dynamodbCalls[key] = {
        requests: round(s.requests / events),
        units: round(writeUnits(s) / events),
      };
    } else if (isDynamoRead(key)) {
      ourReadUnits += s.capacityUnits;
      dynamodbCalls[key] = {
        requests: round(s.requests / events),
        units: round(s.capacityUnits / events),
      };
    }
  }

  // The comparison design: the same table and alert bookkeeping, but each event's state is
  // written by idempotency record + transaction instead of two conditional writes.
  const base = POWERTOOLS_TRANSACTION_BASELINE;
  const applied = events - duplicates;
  const stateWriteUnits = writeUnits(history) + writeUnits(integration);
  const transactionUnits =
    applied *
    base.transactionUnitFactor *
    (unitsPerSuccess(history) + unitsPerSuccess(integration));
  const baselineWriteUnits =
    ourWriteUnits -
    stateWriteUnits +
    integration.indexedWriteUnits +
    applied * 2 * base.idempotencyWriteUnits +
    transactionUnits +
    duplicates * base.idempotencyWriteUnits;
  const baselineReadUnits =
    ourReadUnits - integrationReads.capacityUnits + duplicates * base.duplicateReadUnits;
  const baselineWriteRequests =
    ourWriteRequests -
    history.requests -
    integration.requests +
    applied * base.writeRequestsPerEvent +
    duplicates;

  const dynamoUsd = (wru: number, rru: number) =>
    ((wru * perMillion) / MILLION) * PRICES.dynamodbPerMillionWriteUnits +
    ((rru * perMillion) / MILLION) * PRICES.dynamodbPerMillionReadUnits;

  // SQS as the event source mapping uses it: one send per event; one receive and one batch
  // delete per batch of 10 (a full batch under load), each counted in 64 KB chunks.
  const message = inputs.meanQueueMessageBytes;
  const sqsRequestsPerEvent =
    chunks(message, PRICES.sqsRequestChunkBytes) +
    (2 * chunks(message * pipeline.batchSize, PRICES.sqsRequestChunkBytes)) / pipeline.batchSize;

  const shared = {
    httpApi:
      chunks(inputs.meanWebhookBytes, PRICES.httpApiRequestChunkBytes) *
      PRICES.httpApiPerMillionRequests,
    ingestLambda: lambdaUsd(MILLION, inputs.ingestMs),
    processorLambda: lambdaUsd(MILLION / pipeline.batchSize, processorBatchMs),
    sqs: sqsRequestsPerEvent * PRICES.sqsPerMillionRequests,
    sns: ((publishes * perMillion) / MILLION) * PRICES.snsPerMillionPublishes,
  };
  const breakdown: CostLines = { ...shared, dynamodb: dynamoUsd(ourWriteUnits, ourReadUnits) };
  const baselineBreakdown: CostLines = {
    ...shared,
    dynamodb: dynamoUsd(baselineWriteUnits, baselineReadUnits),
  };
  return {
    usdPerMillion: round(total(breakdown), 4),
    baselineUsdPerMillion: round(total(baselineBreakdown), 4),
    ratio: ratio(total(breakdown), total(baselineBreakdown)),
    pricesAsOf: PRICES_AS_OF,
    breakdown: rounded(breakdown),
    baselineBreakdown: rounded(baselineBreakdown),
    perEvent: {
      writeRequests: round(ourWriteRequests / events),
      writeUnits: round(ourWriteUnits / events),
      indexWriteUnits: round(ourIndexUnits / events),
      readUnits: round(ourReadUnits / events),
      baselineWriteRequests: round(baselineWriteRequests / events),
      baselineWriteUnits: round(baselineWriteUnits / events),
      baselineReadUnits: round(baselineReadUnits / events),
      snsPublishes: round(publishes / events),
      sqsRequests: round(sqsRequestsPerEvent),
    },
    dynamodbCalls,
    assumptions: {
      memoryMb: LAMBDA_MEMORY_MB,
      ingestMs: inputs.ingestMs,
      processorBatchMs: round(processorBatchMs),
      mix: {
        fresh: round(mix.fresh),
        duplicate: round(mix.duplicate),
        stale: round(mix.stale),
        alerting: round(mix.alerting),
      },
      emailUsdPerMillion: round(publishes * perMillion * PRICES.snsPerEmailDelivery, 2),
    },
  };
};
