import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { SQSEvent } from 'aws-lambda';
import type { GroupTiming } from '../../functions/alerting/alert-groups.ts';
import { slackChannel } from '../../functions/alerting/channels/slack.ts';
import type { SlackWebhook } from '../../functions/alerting/channels/slack-webhook.ts';
import {
  TEAMS_MESSAGE_MAX_BYTES,
  type TeamsMessage,
  teamsChannel,
} from '../../functions/alerting/channels/teams.ts';
import {
  type JsonWebhook,
  WebhookRateLimitedError,
  WebhookRefusedError,
} from '../../functions/alerting/channels/webhook.ts';
import { createNotifier } from '../../functions/alerting/notifier/notifier.ts';
import { utf8Bytes } from '../../functions/core/limits.ts';
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
 * email inbox and to each chat notifier's queue (at least once: every publish is delivered
 * twice), and the Slack and Teams notifiers posting to stand-ins (Teams' answering 413 over its
 * size limit and 429 beyond 4 requests a second, as a Workflows webhook does). Failed records come back after their
 * queue's visibility timeout, as SQS does. Minutes of alerting run in milliseconds, so group
 * windows and intervals are the real ones.
 */

/** The cloud's visibility timeouts: 6 × the processor's 20 s, 6 × a notifier's 60 s. */
const PROCESSOR_VISIBILITY_MS = 120_000;
const NOTIFIER_VISIBILITY_MS = 360_000;
const BATCH_SIZE = 10;

export interface SlackPost {
  readonly at: number;
  readonly message: IncomingWebhookSendArguments;
}

export interface TeamsPost {
  readonly at: number;
  readonly message: TeamsMessage;
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
    teams: JsonWebhook;
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
  const teamsPosts: TeamsPost[] = [];
  /** Like a Workflows webhook: 413 over its size limit, 429 beyond 4 requests a second. */
  const teamsRequests: number[] = [];
  const teams: JsonWebhook = {
    send: async (body) => {
      teamsRequests.push(now);
      if (teamsRequests.filter((at) => at > now - 1_000).length > 4) {
        throw new WebhookRateLimitedError('Teams', 1_000);
      }
      if (utf8Bytes(JSON.stringify(body)) > TEAMS_MESSAGE_MAX_BYTES) {
        throw new WebhookRefusedError('Teams', 413);
      }
      teamsPosts.push({ at: now, message: body as TeamsMessage });
    },
  };
  options.prepare?.({ ledger, publisher, slack, teams });

  const processor = createProcessorHandler({
    store,
    alerting: { ledger, queue, publisher, timing: options.timing, sleep },
    clock,
  });
  /** Each chat notifier, its queue (bodies with the time they become visible) and failures. */
  const chats = [
    {
      name: 'slack' as const,
      handler: createNotifier({ channel: slackChannel(slack), ledger, clock, sleep }),
      queue: [] as { body: string; visibleAt: number }[],
      failures: 0,
    },
    {
      name: 'teams' as const,
      handler: createNotifier({ channel: teamsChannel(teams), ledger, clock, sleep }),
      queue: [] as { body: string; visibleAt: number }[],
      failures: 0,
    },
  ];
  let published = 0;
  /** Failed receives by record body, and what the redrive policy parked. */
  const receives = new Map<string, number>();
  const deadLetters: string[] = [];
  let processorFailures = 0;

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
      for (const chat of chats) chat.queue.push({ body, visibleAt: now }, { body, visibleAt: now });
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
    for (const chat of chats) {
      const ready = chat.queue.filter((item) => item.visibleAt <= now);
      for (const item of ready) chat.queue.splice(chat.queue.indexOf(item), 1);
      for (let i = 0; i < ready.length; i += BATCH_SIZE) {
        const bodies = ready.slice(i, i + BATCH_SIZE).map((item) => item.body);
        const failed = await run(chat.handler, bodies);
        chat.failures += failed.length;
        for (const body of failed)
          chat.queue.push({ body, visibleAt: now + NOTIFIER_VISIBILITY_MS });
        worked = true;
      }
    }
    return worked;
  };

  return {
    clock,
    ledger,
    publisher,
    posts,
    teamsPosts,
    /** Puts a message on the event queue now, as the ingest does. */
    send: (message: QueueMessage) => queue.send(message),
    /** Processes everything due, then moves the clock on, until `until` or nothing is left. */
    runUntil: async (until: number): Promise<void> => {
      for (;;) {
        while (await step()) {}
        const next = Math.min(
          queue.nextVisibleAt() ?? Number.POSITIVE_INFINITY,
          ...chats.flatMap((chat) => chat.queue.map((item) => item.visibleAt)),
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
    failures: () => ({
      processor: processorFailures,
      ...Object.fromEntries(chats.map((chat) => [chat.name, chat.failures])),
    }),
    /** Event-queue records parked after `maxReceiveCount` failed receives. */
    deadLetters: () => [...deadLetters],
  };
};

export type AlertSystem = ReturnType<typeof createAlertSystem>;
