import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { SQSRecord } from 'aws-lambda';
import { sendOnce } from '../alerting/alert-groups.ts';
import { ReceiverError } from '../core/errors.ts';
import type { AlertLedger, PaceGate } from '../core/ports.ts';
import { sqsBatchHandler } from '../sqs-batch.ts';
import type { SlackWebhook } from './incoming-webhook.ts';
import { parseNotification } from './notification.ts';
import { slackDigestMessage, slackMessage } from './slack-message.ts';

export interface SlackNotifierDeps {
  readonly webhook: SlackWebhook;
  /** @default - spacing within this container only */
  readonly pace?: PaceGate;
  /**
   * Longest total wait for posting slots per record before it fails (SQS retries it later):
   * with three posts of at most 10 s each, it keeps a record inside the 60 s function timeout.
   * @default 20000
   */
  readonly maxPaceWaitMs?: number;
  /** The alert ledger: each message is claimed for Slack, posted, then marked posted. */
  readonly ledger: Pick<AlertLedger, 'claim' | 'markSent'>;
  /**
   * How long a claimed message is left to this notifier before another may post it: longer
   * than an invocation (60 s). @default 90000
   */
  readonly leaseMs?: number;
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

/** The wait a rate-limited post asks for, or `undefined` when the error is something else. */
const retryAfterOf = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as { statusCode?: unknown; retryAfterMs?: unknown };
  if (fields.statusCode !== 429) return undefined;
  return typeof fields.retryAfterMs === 'number' ? fields.retryAfterMs : 1_000;
};

type RecordOutcome = { readonly kind: 'posted' | 'duplicate'; readonly message: string };

/**
 * The Slack notifier: an SQS handler over the queue the alerts topic delivers to.
 *
 * - Once per message: each alert group message is claimed for Slack in the alert ledger (a
 *   conditional write with a lease), posted, then marked posted, so SQS redelivery and a
 *   re-publish after a crash find it posted and skip it; only a crash between the post and the
 *   mark posts it again, once, after the lease. A CloudWatch alarm is keyed by its incident.
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
  const leaseMs = deps.leaseMs ?? 90_000;
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

  const post = async (message: IncomingWebhookSendArguments, about: string): Promise<void> => {
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
          message: about,
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

  const handleRecord = async (record: SQSRecord): Promise<RecordOutcome> => {
    const notification = parseNotification(record.body);
    // A group's message is the ledger's own; an alarm is keyed by its incident (one per change).
    const { ref, message } =
      notification.kind === 'digest'
        ? {
            ref: { groupKey: notification.digest.groupKey, seq: notification.digest.seq },
            message: slackDigestMessage(notification.digest),
          }
        : {
            ref: { groupKey: `single|${notification.alert.incidentKey}`, seq: 1 },
            message: slackMessage(notification.alert),
          };
    const about = `${ref.groupKey} #${ref.seq}`;
    const result = await sendOnce(ref, 'slack', () => post(message, about), {
      ledger,
      clock,
      leaseMs,
      sleep,
    });
    return { kind: result === 'sent' ? 'posted' : 'duplicate', message: about };
  };

  const processRecord = async (record: SQSRecord): Promise<RecordOutcome> => {
    const outcome = await handleRecord(record);
    const posted = outcome.kind === 'posted';
    metrics?.addMetric(posted ? 'SlackPosted' : 'SlackDuplicatesSkipped', MetricUnit.Count, 1);
    logger?.info(posted ? 'alert posted to Slack' : 'alert already posted; skipped', {
      sqsMessageId: record.messageId,
      message: outcome.message,
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
