import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { Alert } from '../core/alerts.ts';
import { ReceiverError } from '../core/errors.ts';
import type { SlackPostLedger } from '../core/ports.ts';
import { sqsBatchHandler } from '../sqs-batch.ts';
import type { SlackWebhook } from './incoming-webhook.ts';
import { parseNotification } from './notification.ts';
import { slackMessage } from './slack-message.ts';

/**
 * Slack's pace shared by every container posting to one webhook. Without it, spacing holds
 * only within a container (enough for one process, like the local runtime).
 */
export interface SlackPaceGate {
  /**
   * Takes the next posting slot if it is free at `now`, holding it for `intervalMs`; otherwise
   * says when (epoch ms) the current holder's slot ends.
   */
  claim(
    now: Date,
    intervalMs: number,
  ): Promise<{ readonly granted: true } | { readonly granted: false; readonly nextPostAt: number }>;
  /** Nobody posts before `until` (Slack answered 429 with a `Retry-After`). */
  deferUntil(until: Date): Promise<void>;
}

export interface SlackNotifierDeps {
  readonly webhook: SlackWebhook;
  /** @default - spacing within this container only */
  readonly pace?: SlackPaceGate;
  /**
   * Longest total wait for posting slots per record before it fails (SQS retries it later):
   * with three posts of at most 10 s each, it keeps a record inside the 60 s function timeout.
   * @default 20000
   */
  readonly maxPaceWaitMs?: number;
  /** Incidents already posted; checked before and written after each post. */
  readonly ledger: SlackPostLedger;
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Slack allows about one message per second per webhook. @default 1000 */
  readonly minIntervalMs?: number;
  /** Posts of one alert, counting the first, while Slack answers 429. @default 3 */
  readonly maxAttempts?: number;
  /** A longer `Retry-After` fails the record instead; SQS retries it later. @default 10000 */
  readonly maxRetryAfterMs?: number;
}

/** Slack kept answering 429, or asked for a wait longer than this invocation should sleep. */
export class SlackRateLimitExhaustedError extends ReceiverError {}

/** No posting slot came free within `maxPaceWaitMs`: the record is retried later. */
export class SlackPaceTimeoutError extends ReceiverError {}

/** Slack took the post but the ledger write kept failing: the record is retried (a re-post). */
export class SlackLedgerError extends ReceiverError {}

const LEDGER_ATTEMPTS = 3;
const LEDGER_BACKOFF_MS = 200;

/** The wait a rate-limited post asks for, or `undefined` when the error is something else. */
const retryAfterOf = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as { statusCode?: unknown; retryAfterMs?: unknown };
  if (fields.statusCode !== 429) return undefined;
  return typeof fields.retryAfterMs === 'number' ? fields.retryAfterMs : 1_000;
};

type RecordOutcome = { readonly kind: 'posted' | 'duplicate'; readonly incidentKey: string };

/**
 * The Slack notifier: an SQS handler over the queue the alerts topic delivers to.
 *
 * - Once per incident: the ledger is read before posting and written after Slack accepted the
 *   post, keyed by `incidentKey`, so SQS redelivery and a processor re-publish after a crash
 *   find the incident posted and skip it.
 * - Never lost: any failure (Slack 5xx, network, timeout, ledger) fails the record alone; SQS
 *   retries it and after `maxReceiveCount` moves it to the notifier's DLQ.
 * - Polite: posts are at least `minIntervalMs` apart — across containers when a `pace` gate is
 *   given (the cloud runs up to two at once), within the container otherwise — and a 429 is
 *   retried after its `Retry-After`, which the gate then imposes on every container, a bounded
 *   number of times. Records are handled one at a time so the spacing holds within a batch.
 *
 * Run by Powertools batch, records in sequence: a record that fails is reported alone, and when
 * every record of a batch failed the handler throws `FullBatchFailureError`, so Lambda's
 * `Errors` metric sees a Slack outage.
 */
export const createSlackNotifier = (deps: SlackNotifierDeps) => {
  const { webhook, ledger, pace, logger, metrics } = deps;
  const clock = deps.clock ?? (() => new Date());
  const sleep =
    deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minIntervalMs = deps.minIntervalMs ?? 1_000;
  const maxAttempts = deps.maxAttempts ?? 3;
  const maxRetryAfterMs = deps.maxRetryAfterMs ?? 10_000;
  const maxPaceWaitMs = deps.maxPaceWaitMs ?? 20_000;
  /** Earliest time (epoch ms) the next post may go out; lives as long as the container. */
  let nextPostAt = 0;

  const waitForTurn = async (deadline: number) => {
    for (;;) {
      const now = clock().getTime();
      if (nextPostAt > now) {
        if (nextPostAt > deadline) {
          throw new SlackPaceTimeoutError(
            `no Slack posting slot within ${maxPaceWaitMs} ms; the record will be retried`,
          );
        }
        await sleep(nextPostAt - now);
        continue;
      }
      if (!pace) return;
      const claim = await pace.claim(new Date(now), minIntervalMs);
      if (claim.granted) return;
      // Another container holds the slot: sleep until it ends, then claim again. A slot that
      // already ended (clock skew) still waits a little, so the loop cannot spin.
      nextPostAt = Math.max(claim.nextPostAt, clock().getTime() + 50);
    }
  };

  const post = async (alert: Alert): Promise<void> => {
    const message = slackMessage(alert);
    const deadline = clock().getTime() + maxPaceWaitMs;
    for (let attempt = 1; ; attempt++) {
      await waitForTurn(deadline);
      try {
        await webhook.send(message);
        return;
      } catch (error) {
        const retryAfterMs = retryAfterOf(error);
        if (retryAfterMs === undefined) throw error;
        metrics?.addMetric('SlackRateLimited', MetricUnit.Count, 1);
        if (attempt >= maxAttempts || retryAfterMs > maxRetryAfterMs) {
          throw new SlackRateLimitExhaustedError(
            `Slack answered 429 ${attempt} time(s) (last Retry-After ${retryAfterMs} ms)`,
            { cause: error },
          );
        }
        logger?.warn('Slack rate-limited the post; waiting', {
          incidentKey: alert.incidentKey,
          retryAfterMs,
          attempt,
        });
        nextPostAt = Math.max(nextPostAt, clock().getTime() + retryAfterMs);
        await pace?.deferUntil(new Date(nextPostAt));
      } finally {
        nextPostAt = Math.max(nextPostAt, clock().getTime() + minIntervalMs);
      }
    }
  };

  const markPosted = async (incidentKey: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await ledger.markPosted(incidentKey, clock());
        return;
      } catch (error) {
        // The post is out; losing the marker means a duplicate later, so try a little harder.
        if (attempt >= LEDGER_ATTEMPTS) {
          throw new SlackLedgerError('posted to Slack but could not record it', { cause: error });
        }
        await sleep(LEDGER_BACKOFF_MS * attempt);
      }
    }
  };

  const handleRecord = async (record: SQSRecord): Promise<RecordOutcome> => {
    const alert = parseNotification(record.body);
    const { incidentKey } = alert;
    if (await ledger.wasPosted(incidentKey)) return { kind: 'duplicate', incidentKey };
    await post(alert);
    await markPosted(incidentKey);
    return { kind: 'posted', incidentKey };
  };

  const processRecord = async (record: SQSRecord): Promise<RecordOutcome> => {
    const outcome = await handleRecord(record);
    const posted = outcome.kind === 'posted';
    metrics?.addMetric(posted ? 'SlackPosted' : 'SlackDuplicatesSkipped', MetricUnit.Count, 1);
    logger?.info(posted ? 'alert posted to Slack' : 'alert already posted; skipped', {
      sqsMessageId: record.messageId,
      incidentKey: outcome.incidentKey,
    });
    return outcome;
  };

  return sqsBatchHandler({
    processRecord,
    // In sequence: the spacing between posts must hold within a batch.
    inParallel: false,
    // The error logged names the failure (status, rate limit, ledger); never the URL or body.
    failure: {
      metric: 'SlackPostsFailed',
      message: 'Slack post failed; SQS will redeliver the record',
    },
    logger,
    metrics,
  });
};
