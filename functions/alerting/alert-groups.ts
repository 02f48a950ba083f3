import type { Alert } from '../core/alerts.ts';
import type {
  AlertLedger,
  AlertPublisher,
  EventQueue,
  IncidentState,
  MessageRef,
  PaceGate,
} from '../core/ports.ts';
import type { QueueMessage } from '../core/queue-message.ts';
import { expiresAt } from '../definitions/expiry.ts';
import { PROCESSOR_TIMEOUT_SECONDS, pipeline, retention } from '../definitions/resources.ts';
import { createChannelSender, defaultSleep } from './channels/channel.ts';
import { emailChannel } from './channels/email.ts';
import { LOCAL_OPS, type OpsTarget } from './domain/commands.ts';
import { groupMessageOf } from './domain/group-message.ts';
import { groupKeyOf } from './domain/grouping.ts';

/**
 * Alerts grouped the way Alertmanager groups them, through one ledger for every kind.
 *
 * - An incident is recorded once per `incidentKey` in its group (kind, organization and, for
 *   lifecycle kinds, fulfillment service). Recording the first incident of a quiet group sends
 *   one delayed `alert-flush` message to the event queue: the group window (30 s by default)
 *   for a new group, the rest of the group interval (5 min) after a message went out.
 * - The flush message is sent *before* the group is marked armed, so an armed group always has
 *   a flush on its way; a crash in between only costs a spare flush that finds nothing to send.
 *   A group armed for longer than any flush takes ({@link lostFlushAfterMs}: its flush
 *   dead-lettered) is armed again by its next incident, with a new flush.
 * - One flusher at a time (a lease taken in the same conditional write that disarms the group)
 *   assigns every pending incident to the group's next message, publishes it once to SNS (the
 *   `email` channel, which the topic's email subscription receives; each chat notifier claims
 *   its own channel of the same message when the publish reaches it) and closes it. Each
 *   channel is claimed with a lease inside a conditional write and marked sent after the send:
 *   only a crash between the two repeats a message, once, after the lease.
 */

/** The group window and interval, in milliseconds. */
export interface GroupTiming {
  /** The first incident of a group waits this long for more. */
  readonly windowMs: number;
  /** A group's messages are at least this far apart; later incidents wait for the next one. */
  readonly intervalMs: number;
}

export interface AlertGroupsDeps {
  readonly ledger: AlertLedger;
  readonly queue: EventQueue;
  readonly clock: () => Date;
  readonly timing: GroupTiming;
}

export interface FlushDeps extends AlertGroupsDeps {
  readonly publisher: AlertPublisher;
  /** SNS email subscriptions take about 10 messages per second; shared by every flusher. */
  readonly emailPace?: PaceGate;
  /** How long a flush or a claimed channel is left to its holder: longer than a function run. */
  readonly leaseMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where the commands a message prints point (the stage). @default LOCAL_OPS */
  readonly ops?: OpsTarget;
}

/** SQS delays a message by at most 15 minutes; a longer wait is chained by the flush itself. */
const MAX_DELAY_SECONDS = 900;

/**
 * How long a group may stay armed before its flush is presumed lost: longer than any flush
 * honestly takes to run — its delay (at most the window, or the rest of the interval), every
 * receive SQS gives it before the DLQ, and one lease held by another flusher. A flush message
 * that dead-lettered would otherwise leave its group armed, and every later incident of the
 * group unreported, until an operator redrives the DLQ. Guessing short costs a spare flush,
 * which finds nothing to send or keeps to the interval.
 */
export const lostFlushAfterMs = (timing: GroupTiming): number =>
  Math.max(timing.windowMs, timing.intervalMs) +
  (pipeline.maxReceiveCount * pipeline.visibilityTimeoutSeconds + PROCESSOR_TIMEOUT_SECONDS) * 1000;

const delaySecondsUntil = (at: number, now: number): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));

/** Where an incident stands after `owe`: just recorded, or as the ledger had it. */
export type OweResult = 'recorded' | IncidentState;

export const createAlertGroups = (deps: AlertGroupsDeps) => {
  const { ledger, queue, clock, timing } = deps;

  /**
   * Flushes this container sent, by group: the time before which they cannot have run. An
   * incident recorded before then is collected by that flush, so the head need not be read
   * again; concurrent records of one batch share one scheduling instead of each sending a
   * spare flush.
   */
  const sent = new Map<string, { readonly until: number } | Promise<void>>();

  const sendFlush = async (groupKey: string): Promise<void> => {
    const head = await ledger.head(groupKey);
    const now = clock().getTime();
    const lostBefore = now - lostFlushAfterMs(timing);
    if (head.armed && (head.armedAt === undefined || head.armedAt >= lostBefore)) return;
    const notBefore = Math.max(
      now + timing.windowMs,
      head.lastFlushAt === undefined ? 0 : head.lastFlushAt + timing.intervalMs,
    );
    const flush: QueueMessage = {
      kind: 'alert-flush',
      groupKey,
      notBefore: new Date(notBefore).toISOString(),
    };
    await queue.send(flush, { delaySeconds: delaySecondsUntil(notBefore, now) });
    sent.set(groupKey, { until: notBefore });
    await ledger.arm(groupKey, new Date(now), new Date(lostBefore));
  };

  /** Makes sure a flush of `groupKey` is on its way (see the module comment). */
  const scheduleFlush = async (groupKey: string): Promise<void> => {
    const known = sent.get(groupKey);
    if (known instanceof Promise) return known;
    if (known && clock().getTime() < known.until) return;
    const scheduling = sendFlush(groupKey).finally(() => {
      if (sent.get(groupKey) === scheduling) sent.delete(groupKey);
    });
    sent.set(groupKey, scheduling);
    return scheduling;
  };

  /**
   * Records the alert an incident owes and makes sure its group will be flushed. An incident
   * seen before is flushed again only while it is still pending (a crash may have cut the
   * first attempt short); reported and resolved incidents are left alone.
   */
  const owe = async (alert: Alert): Promise<OweResult> => {
    const groupKey = groupKeyOf(alert);
    const now = clock();
    const recorded = await ledger.record(groupKey, alert, {
      recordedAt: now.toISOString(),
      expiresAt: expiresAt(now, retention.historyDays),
    });
    const result: OweResult = recorded.status === 'recorded' ? 'recorded' : recorded.state;
    if (result === 'recorded' || result === 'pending') await scheduleFlush(groupKey);
    return result;
  };

  return { owe, scheduleFlush };
};

/** What one flush message did. */
export type FlushOutcome =
  | { readonly kind: 'deferred'; readonly groupKey: string; readonly until: string }
  | { readonly kind: 'empty'; readonly groupKey: string }
  | {
      readonly kind: 'flushed';
      readonly groupKey: string;
      readonly seq: number;
      readonly incidents: number;
      /** Whether this flush published it (false: an earlier, crashed attempt had). */
      readonly published: boolean;
    };

/**
 * Flushes one alert group when its time has come: a message that arrives early (a chained
 * long delay, or a second flush inside the group interval) is sent again for later.
 */
export const flushGroup = async (
  message: Extract<QueueMessage, { kind: 'alert-flush' }>,
  deps: FlushDeps,
): Promise<FlushOutcome> => {
  const { ledger, queue, clock, timing, leaseMs } = deps;
  const { groupKey } = message;
  const now = clock();
  const head = await ledger.head(groupKey);
  // A message left open by a crashed flush is finished at once; otherwise the interval holds.
  const due =
    head.open === undefined
      ? Math.max(
          Date.parse(message.notBefore),
          head.lastFlushAt === undefined ? 0 : head.lastFlushAt + timing.intervalMs,
        )
      : 0;
  if (now.getTime() < due) {
    const until = new Date(due).toISOString();
    await queue.send(
      { kind: 'alert-flush', groupKey, notBefore: until },
      { delaySeconds: delaySecondsUntil(due, now.getTime()) },
    );
    return { kind: 'deferred', groupKey, until };
  }

  const begun = await ledger.beginFlush(groupKey, now, leaseMs);
  if (begun === 'busy') {
    // Another flusher holds the group (a spare flush from a concurrent start): look again once
    // its lease has ended, rather than failing the record and alarming on a normal race.
    const until = new Date(now.getTime() + leaseMs).toISOString();
    await queue.send(
      { kind: 'alert-flush', groupKey, notBefore: until },
      { delaySeconds: delaySecondsUntil(now.getTime() + leaseMs, now.getTime()) },
    );
    return { kind: 'deferred', groupKey, until };
  }
  const resuming = begun.open !== undefined;
  const ref: MessageRef = { groupKey, seq: begun.open ?? begun.seq + 1 };
  const alerts = await ledger.collect(ref, { assign: !resuming });
  if (alerts.length === 0) {
    await ledger.endFlush(groupKey);
    return { kind: 'empty', groupKey };
  }
  if (!resuming) await ledger.open(ref, now);

  const groupMessage = groupMessageOf({
    groupKey,
    seq: ref.seq,
    alerts,
    ops: deps.ops ?? LOCAL_OPS,
  });
  // The email channel is the SNS publish, which the email subscription and every chat
  // notifier's queue receive.
  const email = createChannelSender(emailChannel(deps.publisher), {
    ledger,
    pace: deps.emailPace,
    maxPaceWaitMs: leaseMs / 2,
    leaseMs,
    clock,
    sleep: deps.sleep ?? defaultSleep,
    // Without a shared gate, nothing spaces flushes apart but the gate itself: one flush sends
    // one message (and at most its shorter fallback).
    ...(deps.emailPace ? {} : { limits: { minIntervalMs: 0 } }),
  });
  const published = await email.deliver(ref, groupMessage);
  await ledger.close(ref);
  return {
    kind: 'flushed',
    groupKey,
    seq: ref.seq,
    incidents: alerts.length,
    published: published === 'sent',
  };
};
