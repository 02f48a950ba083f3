import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { GroupMessage } from '../../core/alerts.ts';
import { ReceiverError } from '../../core/errors.ts';
import type { AlertChannel, AlertLedger, MessageRef, PaceGate } from '../../core/ports.ts';
import { createPacer } from '../pace.ts';

/**
 * Where a group message goes out, as one small interface: how fast the channel takes messages,
 * how it renders one, how it sends it, what a `429` asks for, and what to send instead when it
 * refuses a message for its content. Email (the SNS publish) and each chat webhook implement
 * it; the sending shell below (pace, `429` loop, fallback, exactly once through the ledger) is
 * the same for all.
 */

/** A channel's limits, as the sending shell applies them. */
export interface ChannelLimits {
  /** Least time between two sends, across every container sharing the channel's pace gate. */
  readonly minIntervalMs: number;
  /** Sends of one message, counting the first, while the channel answers 429. */
  readonly maxAttempts: number;
  /** A longer `Retry-After` fails the send instead: the queue retries it later. */
  readonly maxRetryAfterMs: number;
}

export interface Channel<Payload = unknown> {
  readonly name: AlertChannel;
  /** How logs and metric names call it (`Slack` → `SlackPosted`, `SlackRateLimited`). */
  readonly label: string;
  readonly limits: ChannelLimits;
  /** The message as the channel carries it, within the channel's size limits. Pure. */
  render(message: GroupMessage): Payload;
  send(payload: Payload): Promise<void>;
  /**
   * How long a rate-limited send asks to wait (its `429` and `Retry-After`), or `undefined`
   * when `error` is not a rate limit; anything else fails the send (the queue retries it).
   */
  retryAfterOf(error: unknown): number | undefined;
  /**
   * What to send instead when the channel refused `message` for its content (too large,
   * a value it rejects): retrying the same payload cannot help. `undefined`: fail the send.
   */
  fallback?(message: GroupMessage, error: unknown): Payload | undefined;
}

/** How the docs (`npm run docs:alerts`) show a channel's messages. */
export interface ChannelExample {
  /** What the channel posts, e.g. `Block Kit`. */
  readonly format: string;
  /** The message as a person reads it, as plain paragraphs. */
  asText(message: GroupMessage): string;
  /** The payload as posted. */
  asPosted(message: GroupMessage): unknown;
}

/** The channel kept answering 429, or asked for a longer wait than a send may sleep. */
export class RateLimitExhaustedError extends ReceiverError {}

/** Another sender holds the message on this channel: retried later. */
export class AlertGroupBusyError extends ReceiverError {}

const MARK_ATTEMPTS = 3;
const MARK_BACKOFF_MS = 200;
export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends one message on a channel at most once per claim: claim (a conditional write with a
 * lease), send, mark sent. `already` means an earlier claim already sent it; only a crash
 * between the send and the mark repeats it, once, after the lease.
 */
export const sendOnce = async (
  ref: MessageRef,
  channel: AlertChannel,
  send: () => Promise<void>,
  deps: {
    readonly ledger: Pick<AlertLedger, 'claim' | 'markSent'>;
    readonly clock: () => Date;
    readonly leaseMs: number;
    readonly sleep?: (ms: number) => Promise<void>;
  },
): Promise<'sent' | 'already'> => {
  const claim = await deps.ledger.claim(ref, channel, deps.clock(), deps.leaseMs);
  if (claim.status === 'sent') return 'already';
  if (claim.status === 'busy') {
    throw new AlertGroupBusyError(
      `message ${ref.seq} of alert group ${ref.groupKey} is being sent on ${channel} until ` +
        `${new Date(claim.leaseUntil).toISOString()}; retrying later`,
    );
  }
  await send();
  // The message is out: losing the mark means a repeat after the lease, so try a little harder.
  const sleep = deps.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.ledger.markSent(ref, channel, claim.token, deps.clock());
      return 'sent';
    } catch (error) {
      if (attempt >= MARK_ATTEMPTS) throw error;
      await sleep(MARK_BACKOFF_MS * attempt);
    }
  }
};

export interface ChannelSenderDeps {
  readonly ledger: Pick<AlertLedger, 'claim' | 'markSent'>;
  /** The channel's pace shared across containers. @default - spacing within this sender only */
  readonly pace?: PaceGate | undefined;
  /** Longest total wait for sending slots per message before it fails (retried later). */
  readonly maxPaceWaitMs: number;
  /** How long a claimed message is left to this sender before another may send it. */
  readonly leaseMs: number;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Overrides of the channel's own limits (tests, a stage with a stricter webhook). */
  readonly limits?: Partial<ChannelLimits> | undefined;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}

/**
 * The sending shell of one channel: `deliver` sends a group message once through the ledger,
 * rendered, paced (`minIntervalMs` apart; with a gate, across containers), a `429` waited out
 * for its `Retry-After` (which the gate then imposes on every container) a bounded number of
 * times, and the channel's fallback sent when it refuses the message for its content.
 */
export const createChannelSender = <Payload>(
  channel: Channel<Payload>,
  deps: ChannelSenderDeps,
) => {
  const { clock, logger, metrics } = deps;
  const limits = { ...channel.limits, ...deps.limits };
  const pacer = createPacer({
    gate: deps.pace,
    intervalMs: limits.minIntervalMs,
    clock,
    sleep: deps.sleep,
  });

  const post = async (payload: Payload, about: string): Promise<void> => {
    const deadline = clock().getTime() + deps.maxPaceWaitMs;
    for (let attempt = 1; ; attempt++) {
      await pacer.wait(deadline);
      try {
        await channel.send(payload);
        return;
      } catch (error) {
        const retryAfterMs = channel.retryAfterOf(error);
        if (retryAfterMs === undefined) throw error;
        metrics?.addMetric(`${channel.label}RateLimited`, MetricUnit.Count, 1);
        if (attempt >= limits.maxAttempts || retryAfterMs > limits.maxRetryAfterMs) {
          throw new RateLimitExhaustedError(
            `${channel.label} answered 429 ${attempt} time(s) (last Retry-After ${retryAfterMs} ms)`,
            { cause: error },
          );
        }
        logger?.warn(`${channel.label} rate-limited the send; waiting`, {
          message: about,
          retryAfterMs,
          attempt,
        });
        await pacer.deferUntil(clock().getTime() + retryAfterMs);
      } finally {
        pacer.spaced();
      }
    }
  };

  /** Renders and sends `message` (its fallback if refused for its content); not once-only. */
  const send = async (message: GroupMessage, about: string): Promise<void> => {
    try {
      await post(channel.render(message), about);
    } catch (error) {
      const instead = channel.fallback?.(message, error);
      if (instead === undefined) throw error;
      logger?.warn(`${channel.label} refused the message for its content; sending a shorter one`, {
        message: about,
        error,
      });
      await post(instead, about);
    }
  };

  /** Sends message `ref` once on this channel; `already` when an earlier claim sent it. */
  const deliver = (ref: MessageRef, message: GroupMessage): Promise<'sent' | 'already'> =>
    sendOnce(ref, channel.name, () => send(message, `${ref.groupKey} #${ref.seq}`), {
      ledger: deps.ledger,
      clock,
      leaseMs: deps.leaseMs,
      sleep: deps.sleep,
    });

  return { deliver };
};
