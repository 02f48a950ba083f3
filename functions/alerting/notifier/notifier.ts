import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { AlertLedger, PaceGate } from '../../core/ports.ts';
import { sqsBatchHandler } from '../../sqs-batch.ts';
import {
  type Channel,
  type ChannelLimits,
  createChannelSender,
  defaultSleep,
} from '../channels/channel.ts';
import { LOCAL_OPS, type OpsTarget } from '../domain/commands.ts';
import { singleAlertMessage } from '../domain/group-message.ts';
import { parseNotification } from './notification.ts';

export interface NotifierDeps<Payload> {
  readonly channel: Channel<Payload>;
  /** The alert ledger: each message is claimed for the channel, sent, then marked sent. */
  readonly ledger: Pick<AlertLedger, 'claim' | 'markSent'>;
  /** @default - spacing within this container only */
  readonly pace?: PaceGate;
  /**
   * Longest total wait for sending slots per record before it fails (SQS retries it later):
   * with three posts of at most 10 s each, it keeps a record inside the 60 s function timeout.
   * @default 20000
   */
  readonly maxPaceWaitMs?: number;
  /**
   * How long a claimed message is left to this notifier before another may send it: longer
   * than an invocation (60 s). @default 90000
   */
  readonly leaseMs?: number;
  /** Overrides of the channel's limits. @default the channel's own */
  readonly limits?: Partial<ChannelLimits>;
  /** Where the commands of an alert built here (a CloudWatch alarm) point. @default LOCAL_OPS */
  readonly ops?: OpsTarget;
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

type RecordOutcome = { readonly kind: 'sent' | 'duplicate'; readonly message: string };

/**
 * A chat channel's notifier: an SQS handler over the queue the alerts topic delivers to, the
 * same for every channel.
 *
 * - Once per message: each alert group message is claimed for the channel in the alert ledger
 *   (a conditional write with a lease), sent, then marked sent, so SQS redelivery and a
 *   re-publish after a crash find it sent and skip it; only a crash between the send and the
 *   mark sends it again, once, after the lease. A CloudWatch alarm is keyed by its incident.
 * - Never lost: any failure (a 5xx, the network, a timeout, the ledger) fails the record
 *   alone; SQS retries it and after `maxReceiveCount` moves it to the notifier's DLQ.
 * - Polite: the channel's pace and `429` handling (`createChannelSender`). Records are
 *   handled one at a time so the spacing holds within a batch.
 *
 * Run by Powertools batch, records in sequence: a record that fails is reported alone, and when
 * every record of a batch failed the handler throws `FullBatchFailureError`, so Lambda's
 * `Errors` metric sees an outage of the channel.
 */
export const createNotifier = <Payload>(deps: NotifierDeps<Payload>) => {
  const { channel, logger, metrics } = deps;
  const ops = deps.ops ?? LOCAL_OPS;
  const sender = createChannelSender(channel, {
    ledger: deps.ledger,
    pace: deps.pace,
    maxPaceWaitMs: deps.maxPaceWaitMs ?? 20_000,
    leaseMs: deps.leaseMs ?? 90_000,
    clock: deps.clock ?? (() => new Date()),
    sleep: deps.sleep ?? defaultSleep,
    limits: deps.limits,
    logger,
    metrics,
  });

  const processRecord = async (record: SQSRecord): Promise<RecordOutcome> => {
    const notification = parseNotification(record.body);
    // A group's message is the ledger's own; an alarm is keyed by its incident (one per change).
    const message =
      notification.kind === 'group-message'
        ? notification.message
        : singleAlertMessage(notification.alert, ops);
    const about = `${message.groupKey} #${message.seq}`;
    const result = await sender.deliver({ groupKey: message.groupKey, seq: message.seq }, message);
    const sent = result === 'sent';
    metrics?.addMetric(
      `${channel.label}${sent ? 'Posted' : 'DuplicatesSkipped'}`,
      MetricUnit.Count,
      1,
    );
    logger?.info(sent ? `alert posted to ${channel.label}` : 'alert already posted; skipped', {
      sqsMessageId: record.messageId,
      message: about,
    });
    return { kind: sent ? 'sent' : 'duplicate', message: about };
  };

  return sqsBatchHandler({
    processRecord,
    // In sequence: the spacing between posts must hold within a batch.
    inParallel: false,
    // The error logged names the failure (status, rate limit, ledger); never the URL or body.
    failure: {
      metric: `${channel.label}PostsFailed`,
      message: `${channel.label} post failed; SQS will redeliver the record`,
    },
    logger,
    metrics,
  });
};
