import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { SQSEvent } from 'aws-lambda';
import type { GroupTiming } from '../../functions/alerting/alert-groups.ts';
import { slackChannel } from '../../functions/alerting/channels/slack.ts';
import type { SlackWebhook } from '../../functions/alerting/channels/slack-webhook.ts';
import { createNotifier } from '../../functions/alerting/notifier/notifier.ts';
import type { AlertLedger } from '../../functions/core/ports.ts';
import { encodeQueueMessage, type QueueMessage } from '../../functions/core/queue-message.ts';
import { createProcessorHandler } from '../../functions/processor/processor.ts';
import { sqsEvent } from '../support/http-events.ts';
import {
  InMemoryAlertLedger,
  InMemoryAlertPublisher,
  InMemoryEventQueue,
  InMemoryIntegrationStore,
} from '../twins/index.ts';

/**
 * The alert path end to end on the twins, on a virtual clock: the processor (applying events,
 * recording incidents, flushing groups and publishing), SNS's delivery of each publish to the
 * email inbox and to the Slack notifier's queue (at least once: every publish is delivered
 * twice), and the notifier posting to a Slack stand-in. Failed records come back after their
 * queue's visibility timeout, as SQS does. Minutes of alerting run in milliseconds, so group
 * windows and intervals are the real ones.
 */

/** The cloud's visibility timeouts: 6 × the processor's 20 s, 6 × the notifier's 60 s. */
const PROCESSOR_VISIBILITY_MS = 120_000;
const SLACK_VISIBILITY_MS = 360_000;
const BATCH_SIZE = 10;

export interface SlackPost {
  readonly at: number;
  readonly message: IncomingWebhookSendArguments;
}

/** Wraps one method of `target` so that it throws right after (or before) doing its work. */
export const crashing = <T extends object>(
  target: T,
  method: keyof T,
  options: {
    readonly when: 'after' | 'before';
    /** Which calls crash; each matching call counts against `times`. */
    readonly match?: (...args: never[]) => boolean;
    readonly times?: number;
  },
): { readonly crashed: () => number } => {
  let left = options.times ?? 1;
  let crashed = 0;
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  (target as Record<PropertyKey, unknown>)[method] = async (...args: unknown[]) => {
    const hit = left > 0 && (options.match ? options.match(...(args as never[])) : true);
    if (hit) {
      left--;
      crashed++;
    }
    if (hit && options.when === 'before') {
      throw new Error(`injected crash before ${String(method)}`);
    }
    const result = await original(...args);
    if (hit) throw new Error(`injected crash after ${String(method)}`);
    return result;
  };
  return { crashed: () => crashed };
};

export const createAlertSystem = (options: {
  readonly start: Date;
  readonly timing: GroupTiming;
  /**
   * Receives of one event-queue record before SQS parks it in the DLQ (`deadLetters`), as the
   * redrive policy does; without it, a failed record comes back forever.
   */
  readonly maxReceiveCount?: number;
  /** Runs once the twins exist, before anything is wired: crash injection goes here. */
  readonly prepare?: (parts: {
    ledger: AlertLedger;
    publisher: InMemoryAlertPublisher;
    slack: SlackWebhook;
  }) => void;
}) => {
  let now = options.start.getTime();
  const clock = () => new Date(now);
  const sleep = async (ms: number) => {
    now += ms;
  };

  const store = new InMemoryIntegrationStore();
  const ledger = new InMemoryAlertLedger();
  const queue = new InMemoryEventQueue({ clock });
  const publisher = new InMemoryAlertPublisher();
  const posts: SlackPost[] = [];
  const slack: SlackWebhook = {
    send: async (message) => {
      posts.push({ at: now, message });
    },
  };
  options.prepare?.({ ledger, publisher, slack });

  const processor = createProcessorHandler({
    store,
    alerting: { ledger, queue, publisher, timing: options.timing, sleep },
    clock,
  });
  const notifier = createNotifier({ channel: slackChannel(slack), ledger, clock, sleep });

  /** The Slack notifier's queue: bodies with the time they become visible. */
  const slackQueue: { body: string; visibleAt: number }[] = [];
  let published = 0;
  /** Failed receives by record body, and what the redrive policy parked. */
  const receives = new Map<string, number>();
  const deadLetters: string[] = [];
  let processorFailures = 0;
  let slackFailures = 0;

  /** Runs a handler on a batch; the bodies of the records it failed. */
  const run = async (
    handler: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
    bodies: readonly string[],
  ): Promise<string[]> => {
    const event = sqsEvent(bodies);
    try {
      const { batchItemFailures } = await handler(event);
      const failed = new Set(batchItemFailures.map((item) => item.itemIdentifier));
      return event.Records.filter((record) => failed.has(record.messageId)).map((r) => r.body);
    } catch (error) {
      if (error instanceof FullBatchFailureError) return [...bodies];
      throw error;
    }
  };

  /** Delivers what was published since the last call: twice each, as SNS may. */
  const fanOut = () => {
    const bodies = publisher.bodies();
    for (const body of bodies.slice(published)) {
      slackQueue.push({ body, visibleAt: now }, { body, visibleAt: now });
    }
    published = bodies.length;
  };

  const step = async (): Promise<boolean> => {
    let worked = false;
    const due = queue.receiveDue(clock());
    for (let i = 0; i < due.length; i += BATCH_SIZE) {
      const bodies = due.slice(i, i + BATCH_SIZE).map(encodeQueueMessage);
      const failed = await run(processor, bodies);
      processorFailures += failed.length;
      for (const body of failed) {
        const count = (receives.get(body) ?? 0) + 1;
        receives.set(body, count);
        if (options.maxReceiveCount !== undefined && count >= options.maxReceiveCount) {
          deadLetters.push(body);
        } else {
          queue.pushRaw([body], now + PROCESSOR_VISIBILITY_MS);
        }
      }
      worked = true;
    }
    fanOut();
    const ready = slackQueue.filter((item) => item.visibleAt <= now);
    for (const item of ready) slackQueue.splice(slackQueue.indexOf(item), 1);
    for (let i = 0; i < ready.length; i += BATCH_SIZE) {
      const bodies = ready.slice(i, i + BATCH_SIZE).map((item) => item.body);
      const failed = await run(notifier, bodies);
      slackFailures += failed.length;
      for (const body of failed) slackQueue.push({ body, visibleAt: now + SLACK_VISIBILITY_MS });
      worked = true;
    }
    return worked;
  };

  return {
    clock,
    ledger,
    publisher,
    posts,
    /** Puts a message on the event queue now, as the ingest does. */
    send: (message: QueueMessage) => queue.send(message),
    /** Processes everything due, then moves the clock on, until `until` or nothing is left. */
    runUntil: async (until: number): Promise<void> => {
      for (;;) {
        while (await step()) {}
        const next = Math.min(
          queue.nextVisibleAt() ?? Number.POSITIVE_INFINITY,
          ...slackQueue.map((item) => item.visibleAt),
        );
        if (next > until) {
          now = Math.max(now, until);
          return;
        }
        now = Math.max(now, next);
      }
    },
    /** Moves the clock on without processing. */
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
    failures: () => ({ processor: processorFailures, slack: slackFailures }),
    /** Event-queue records parked after `maxReceiveCount` failed receives. */
    deadLetters: () => [...deadLetters],
  };
};

export type AlertSystem = ReturnType<typeof createAlertSystem>;
