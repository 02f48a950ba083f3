import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { queueDepth } from '../functions/adapters/clients.ts';
import { SqsEventQueue } from '../functions/adapters/sqs-event-queue.ts';
import { GroupMessageSchema } from '../functions/core/alerts.ts';
import { ReceiverError } from '../functions/core/errors.ts';
import type { QueueMessage } from '../functions/core/queue-message.ts';
import { startEmulators } from '../lib/local/emulators.ts';
import { type LocalRuntime, startLocalRuntime } from '../lib/local/runtime.ts';
import {
  type CallCounts,
  diffCounts,
  isDynamoRead,
  isDynamoWrite,
  startAwsProxy,
  sumCounts,
} from './aws-proxy.ts';
import { PRICES } from './prices.ts';
import type { Progress } from './progress.ts';
import { round } from './stats.ts';
import { benchEvent } from './workload.ts';

/**
 * The alert path under an outage, over the emulators behind the counting proxy: `incidents`
 * integrations of one fulfillment service report `errored` at once (a fifth of them delivered
 * twice), through the processor, the alert ledger, the group flush, SNS and the Slack notifier
 * posting to a local stand-in; then a fifth of them recover. Counted: messages per channel,
 * and what the alert ledger, the flushes and the publishes cost per incident.
 */

export interface AlertStormResult {
  readonly incidents: number;
  readonly redeliveries: number;
  readonly recovered: number;
  /** Messages per channel for the outage and for the recovery (email = SNS publishes). */
  readonly messages: {
    readonly firing: { readonly email: number; readonly slack: number };
    readonly resolved: { readonly email: number; readonly slack: number };
  };
  /** Incidents the firing messages covered (must be `incidents`). */
  readonly reported: number;
  /** Per incident of the outage: the alert ledger's own DynamoDB calls and units. */
  readonly ledgerPerIncident: {
    readonly writes: number;
    readonly writeUnits: number;
    readonly reads: number;
    readonly readUnits: number;
  };
  /** Per incident: every other alert-path request (flush messages sent, SNS publishes). */
  readonly flushMessagesPerIncident: number;
  readonly publishesPerIncident: number;
  /** What the alert path of the whole outage cost, in USD (ledger, flushes, publishes, emails). */
  readonly usdPerStorm: number;
}

export class AlertStormError extends ReceiverError {}

const GROUP_TIMING = { windowMs: 3_000, intervalMs: 10_000 };
const POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isAlertItem = (key: string): boolean => / alert-/.test(key);

/** A Slack incoming webhook that answers 200 and counts. */
const startSlack = async () => {
  let posts = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      posts++;
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/bench`,
    posts: () => posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

export const measureAlertStorm = async (options: {
  readonly incidents: number;
  readonly progress: Progress;
  readonly deadline: number;
}): Promise<AlertStormResult> => {
  const { incidents, progress, deadline } = options;
  const redeliveries = Math.floor(incidents / 5);
  const recovered = Math.floor(incidents / 5);
  const dataDir = await mkdtemp(join(tmpdir(), 'fiw-bench-storm-'));
  const emulators = await startEmulators({ dataDir });
  const proxy = await startAwsProxy({
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    messagingEndpoint: emulators.messagingEndpoint,
  });
  const slack = await startSlack();
  const digests: { status: string; total: number }[] = [];
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
      port: 0,
      dataDir,
      endpoint: proxy.url,
      happycolisSecrets: ['bench-storm'],
      webhookTokens: ['bench-token'],
      chatWebhooks: { slack: slack.url },
      groupTiming: GROUP_TIMING,
      visibilityTimeoutSeconds: 10,
      alertConsumers: [
        async (event) => {
          for (const record of event.Records) {
            const digest = v.parse(GroupMessageSchema, JSON.parse(record.body));
            digests.push({ status: digest.status, total: digest.total });
          }
          return { batchItemFailures: [] };
        },
      ],
      print: (line) => {
        if (process.env.STORM_DEBUG) process.stderr.write(`${line}\n`);
      },
    });
    const live = runtime;
    const queue = new SqsEventQueue({
      client: live.clients.sqs,
      queueUrl: live.resources.queueUrl,
    });
    const start = Date.parse('2026-11-23T10:00:00.000Z');
    const message = (step: 'errored' | 'accepted', index: number, at: number): QueueMessage => ({
      kind: 'webhook',
      receivedAt: new Date().toISOString(),
      webhook: (({ header, body }) => ({ header, body }))(
        benchEvent(step, `storm-${index}`, new Date(at), `${step}-${index}`),
      ),
    });
    const sendAll = async (messages: readonly QueueMessage[]) => {
      for (let i = 0; i < messages.length; i += 25) {
        await Promise.all(messages.slice(i, i + 25).map((m) => queue.send(m)));
      }
    };
    /** Waits for `count` messages of `status` on both channels and an empty queue. */
    const settle = async (status: string, count: number, posts: number) => {
      for (;;) {
        const seen = digests.filter((digest) => digest.status === status).length;
        const depth = await queueDepth(live.clients.sqs, live.resources.queueUrl);
        if (seen >= count && slack.posts() >= posts && depth === 0) break;
        if (performance.now() > deadline) {
          throw new AlertStormError(`alert storm: ${seen} ${status} message(s), queue ${depth}`);
        }
        progress.update(`${status}: ${seen} message(s), ${slack.posts()} post(s), queue ${depth}`);
        await sleep(POLL_MS);
      }
      // One more group interval would show a stray follow-up; the window is enough for a repeat.
      await sleep(GROUP_TIMING.windowMs + 500);
    };

    const before = proxy.snapshot();
    const outage = Array.from({ length: incidents }, (_, i) => message('errored', i, start + i));
    const repeated = outage.slice(0, redeliveries);
    await sendAll([...outage, ...repeated]);
    await settle('firing', 1, 1);
    const firing: CallCounts = diffCounts(proxy.snapshot(), before);
    const firingMessages = { email: digests.length, slack: slack.posts() };
    const reported = digests.reduce((sum, digest) => sum + digest.total, 0);

    await sendAll(
      Array.from({ length: recovered }, (_, i) => message('accepted', i, start + 3_600_000 + i)),
    );
    await settle('resolved', 1, firingMessages.slack + 1);
    const resolvedMessages = {
      email: digests.length - firingMessages.email,
      slack: slack.posts() - firingMessages.slack,
    };

    const ledgerWrites = sumCounts(firing, (key) => isDynamoWrite(key) && isAlertItem(key));
    const ledgerReads = sumCounts(firing, (key) => isDynamoRead(key) && isAlertItem(key));
    const sent = sumCounts(firing, (key) => key.startsWith('SQS.SendMessage')).requests;
    const flushMessages = sent - outage.length - repeated.length;
    const publishes = sumCounts(firing, (key) => key.startsWith('SNS.Publish')).requests;
    const usdPerStorm =
      (ledgerWrites.capacityUnits * PRICES.dynamodbPerMillionWriteUnits +
        ledgerReads.capacityUnits * PRICES.dynamodbPerMillionReadUnits +
        flushMessages * PRICES.sqsPerMillionRequests * 2 +
        publishes * PRICES.snsPerMillionPublishes) /
        1_000_000 +
      firingMessages.email * PRICES.snsPerEmailDelivery;
    return {
      incidents,
      redeliveries,
      recovered,
      messages: { firing: firingMessages, resolved: resolvedMessages },
      reported,
      ledgerPerIncident: {
        writes: round(ledgerWrites.requests / incidents),
        writeUnits: round(ledgerWrites.capacityUnits / incidents),
        reads: round(ledgerReads.requests / incidents),
        readUnits: round(ledgerReads.capacityUnits / incidents),
      },
      flushMessagesPerIncident: round(flushMessages / incidents),
      publishesPerIncident: round(publishes / incidents),
      usdPerStorm: round(usdPerStorm, 6),
    };
  } finally {
    await runtime?.stop();
    await slack.close();
    await proxy.stop();
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
};
