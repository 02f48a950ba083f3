import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { DynamoAlertLedger } from '../functions/adapters/dynamo-alert-ledger.ts';
import { DynamoIntegrationStore } from '../functions/adapters/dynamo-integration-store.ts';
import { SnsAlertPublisher } from '../functions/adapters/sns-alert-publisher.ts';
import { SqsEventQueue } from '../functions/adapters/sqs-event-queue.ts';
import { GroupMessageSchema } from '../functions/core/alerts.ts';
import { ReceiverError } from '../functions/core/errors.ts';
import type { IntegrationEvent } from '../functions/core/events.ts';
import { dynamoItemBytes } from '../functions/core/limits.ts';
import type { QueueMessage } from '../functions/core/queue-message.ts';
import { pipeline, retention } from '../functions/definitions/resources.ts';
import { integrationPath, ROUTES } from '../functions/definitions/routes.ts';
import { createProcessorHandler } from '../functions/processor/processor.ts';
import { startEmulators } from '../lib/local/emulators.ts';
import { type LocalRuntime, startLocalRuntime } from '../lib/local/runtime.ts';
import {
  addCounts,
  type CallCounts,
  diffCounts,
  isDynamoRead,
  isDynamoWrite,
  startAwsProxy,
  sumCounts,
} from './aws-proxy.ts';
import { createClient, LoadError, runLoad } from './http-load.ts';
import type { Progress } from './progress.ts';
import { median, ratio, round } from './stats.ts';
import { BENCH_SECRET, benchEvent, type Post, type Workload } from './workload.ts';

/**
 * The processing side, over the emulators behind the counting proxy:
 *
 * 1. writes per event by kind (fresh, duplicate, stale, alerting): the processor handler is
 *    invoked in-process with Lambda-shaped batches of 10, and every DynamoDB request it makes
 *    is counted at the emulator's HTTP layer; each batch is timed (the Lambda duration proxy);
 * 2. the throughput baseline: raw conditional `UpdateItem`s on the same dynalite, through the
 *    same proxy, from this process;
 * 3. the end-to-end run: every post through the runtime's HTTP API, the runtime's own SQS
 *    poller → processor path, then polling `GET /integrations/{id}` until every integration
 *    shows the state the core's rules predict.
 */

/** Short alert-group windows: the run waits for its alerts, and 30 s would only stretch it. */
export const BENCH_GROUP_TIMING = { windowMs: 1_000, intervalMs: 2_000 };

export type EventKind = 'fresh' | 'duplicate' | 'stale' | 'alerting';

export interface KindFigures {
  readonly events: number;
  readonly writesPerEvent: number;
  readonly readsPerEvent: number;
  /** Median wall time of one processor invocation of 10 records. */
  readonly batchMs: number;
}

export interface PipelineResult {
  readonly kinds: Readonly<Record<EventKind, KindFigures>>;
  readonly throughput: {
    readonly events: number;
    readonly integrations: number;
    readonly concurrency: number;
    readonly eventsPerSec: number;
    readonly elapsedMs: number;
    readonly postMs: number;
    /** From the last post until nothing waited in the queue. */
    readonly drainMs: number;
    /** Polling GET /integrations/{id} until all 1,000 matched. */
    readonly verifyMs: number;
    /**
     * Event-loop utilisation of this process while posting and while draining: the bench
     * client, HTTP server, ingest, emulators, proxy and processor share one JS thread, so a
     * value near 1 means that thread, not the pipeline's configuration, is the limit.
     */
    readonly eventLoopUtilization: { readonly posting: number; readonly draining: number };
    /** CPU time of this process over the run ÷ wall time (2 would be both cores busy). */
    readonly coresBusy: number;
    readonly baselineUpdatesPerSec: number;
    readonly ratio: number;
    readonly alertsDelivered: number;
    readonly recordRetries: number;
  };
  /** Every call the end-to-end run made, for the cost model. */
  readonly counts: CallCounts;
  /** Size of the integration items at the end of the run, by DynamoDB's sizing rules. */
  readonly integrationItem: {
    readonly meanBytes: number;
    readonly maxBytes: number;
    /** Share of items over 1 KB, whose every write costs 2 WRUs or more. */
    readonly overOneKb: number;
  };
  /** Mean bytes of one queue message in the run (the SQS 64 KB chunk count needs it). */
  readonly meanQueueMessageBytes: number;
  readonly mixWritesPerEvent: number;
  readonly mixReadsPerEvent: number;
  /** The in-order lifecycle run (`generateLifecycle`), counted apart for its own cost line. */
  readonly lifecycle: {
    readonly events: number;
    readonly integrations: number;
    readonly counts: CallCounts;
    readonly meanQueueMessageBytes: number;
    readonly meanWebhookBytes: number;
  };
}

export class WrongAnswerError extends ReceiverError {
  constructor(message: string) {
    super(message);
  }
}

const BATCH = pipeline.batchSize;
const POLL_INTERVAL_MS = 100;
const RETRY_VISIBILITY_SECONDS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const queueMessage = (event: IntegrationEvent, receivedAt: string): QueueMessage => ({
  kind: 'webhook',
  receivedAt,
  webhook: { header: event.header, body: event.body },
});

const sqsBatch = (events: readonly IntegrationEvent[], serial: number): SQSEvent => ({
  Records: events.map(
    (event, index): SQSRecord => ({
      messageId: `bench-${serial}-${index}`,
      receiptHandle: `rh-${serial}-${index}`,
      body: JSON.stringify(queueMessage(event, new Date().toISOString())),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:integration-events',
      awsRegion: 'us-east-1',
    }),
  ),
});

/** Runs `events` through the processor in batches of 10 and returns counts and timings. */
const processDirectly = async (
  runtime: LocalRuntime,
  snapshot: () => CallCounts,
  events: readonly IntegrationEvent[],
): Promise<KindFigures> => {
  const processor = createProcessorHandler({
    store: new DynamoIntegrationStore({
      client: runtime.clients.document,
      tableName: runtime.resources.tableName,
    }),
    alerting: {
      ledger: new DynamoAlertLedger({
        client: runtime.clients.document,
        tableName: runtime.resources.tableName,
        retentionDays: retention.historyDays,
      }),
      queue: new SqsEventQueue({
        client: runtime.clients.sqs,
        queueUrl: runtime.resources.queueUrl,
      }),
      publisher: new SnsAlertPublisher({
        client: runtime.clients.sns,
        topicArn: runtime.resources.topicArn,
      }),
      timing: BENCH_GROUP_TIMING,
    },
  });
  const before = snapshot();
  const timings: number[] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const started = performance.now();
    const response = await processor(sqsBatch(events.slice(i, i + BATCH), i));
    timings.push(performance.now() - started);
    if (response.batchItemFailures.length > 0) {
      throw new WrongAnswerError(`processor failed ${response.batchItemFailures.length} record(s)`);
    }
  }
  const delta = diffCounts(snapshot(), before);
  return {
    events: events.length,
    writesPerEvent: round(sumCounts(delta, isDynamoWrite).requests / events.length),
    readsPerEvent: round(sumCounts(delta, isDynamoRead).requests / events.length),
    batchMs: round(median(timings)),
  };
};

const writesByKind = async (
  runtime: LocalRuntime,
  snapshot: () => CallCounts,
  progress: Progress,
): Promise<Record<EventKind, KindFigures>> => {
  const count = 200;
  const base = Date.parse('2026-04-01T00:00:00.000Z');
  const ids = Array.from({ length: count }, (_, i) => `writes-int-${i}`);
  const at = (minutes: number) => new Date(base + minutes * 60_000);
  const created = ids.map((id, i) => benchEvent('created', id, at(10), `w-c-${i}`));
  const accepted = ids.map((id, i) => benchEvent('accepted', id, at(20), `w-a-${i}`));

  progress.update('fresh events');
  const fresh = await processDirectly(runtime, snapshot, [...created, ...accepted]);
  progress.update('duplicates');
  // Half redeliveries (same message), half resends of the same event under a new messageId.
  const duplicate = await processDirectly(runtime, snapshot, [
    ...accepted.slice(0, count / 2),
    ...accepted
      .slice(count / 2)
      .map((event) => ({ ...event, header: { ...event.header, messageId: 'w-resent' } })),
  ]);
  progress.update('stale events');
  // A `created` older than the stored one: recorded in history, refused by the register.
  const stale = await processDirectly(
    runtime,
    snapshot,
    ids.map((id, i) => benchEvent('created', id, at(5), `w-late-${i}`)),
  );
  progress.update('alerting events');
  const alerting = await processDirectly(
    runtime,
    snapshot,
    ids.map((id, i) => benchEvent('errored', id, at(30), `w-e-${i}`)),
  );
  return { fresh, duplicate, stale, alerting };
};

/** The floor for the processing side: conditional UpdateItems, nothing else. */
const baselineUpdates = async (
  runtime: LocalRuntime,
  total: number,
  items: number,
  concurrency: number,
  deadline: number,
): Promise<number> => {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      if (performance.now() > deadline) throw new LoadError('deadline passed in the baseline');
      const i = next++;
      try {
        await runtime.clients.document.send(
          new UpdateCommand({
            TableName: runtime.resources.tableName,
            Key: { pk: `BENCH#${i % items}`, sk: 'BENCH' },
            UpdateExpression: 'SET #v = :v',
            ConditionExpression: 'attribute_not_exists(#v) OR #v < :v',
            ExpressionAttributeNames: { '#v': 'v' },
            ExpressionAttributeValues: { ':v': i },
          }),
        );
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) {
          throw error;
        }
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return total / ((performance.now() - started) / 1000);
};

const queueAttributes = async (runtime: LocalRuntime, queueUrl: string) => {
  const { Attributes = {} } = await runtime.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    waiting: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
};
const queueWaiting = async (runtime: LocalRuntime) =>
  (await queueAttributes(runtime, runtime.resources.queueUrl)).waiting;
const queueDepth = async (runtime: LocalRuntime, queueUrl: string) => {
  const { waiting, inFlight } = await queueAttributes(runtime, queueUrl);
  return waiting + inFlight;
};

/** Records the runtime's poller reported as failed (left for retry), from its log lines. */
const retriedRecords = (lines: readonly string[]): number =>
  lines.reduce((sum, line) => {
    const partial = /processor: (\d+) of \d+ record\(s\) failed/.exec(line);
    const whole = /processor: handler threw, all (\d+) record/.exec(line);
    return sum + Number(partial?.[1] ?? whole?.[1] ?? 0);
  }, 0);

const viewFields = (body: string) => {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { state, lastEventAt, lastEventType } = parsed as Record<string, unknown>;
  return { state, lastEventAt, lastEventType };
};

/** What one pass of posts through the runtime did. */
interface Pass {
  readonly postMs: number;
  /** From the last post until nothing waited in the queue. */
  readonly drainMs: number;
  /** Every call from the first post until the queue drained (the checks' reads excluded). */
  readonly counts: CallCounts;
  readonly elapsedMs: number;
}

/**
 * Posts a workload through the runtime's HTTP API, waits until nothing waits in the queue,
 * then polls `GET /integrations/{id}` until every integration shows the state the workload
 * expects. A record retried later does not hold the clock: what counts is every integration
 * showing its final state.
 */
const postDrainVerify = async (options: {
  readonly runtime: LocalRuntime;
  readonly snapshot: () => CallCounts;
  readonly client: ReturnType<typeof createClient>;
  readonly workload: Workload;
  readonly concurrency: number;
  readonly deadline: number;
  readonly progress: Progress;
  readonly runtimeLines: readonly string[];
  /** Called once the last post is answered, and once the queue has drained. */
  readonly onPosted?: () => void;
  readonly onDrained?: () => void;
}): Promise<Pass> => {
  const { runtime, client, workload, concurrency, deadline, progress } = options;
  const before = options.snapshot();
  const started = performance.now();
  await runLoad({
    client,
    requests: workload.posts.map((post) => ({
      method: 'POST',
      path: ROUTES.happycolis,
      body: post.body,
      headers: post.headers,
    })),
    concurrency,
    deadline,
    check: (answer, index) => {
      if (answer.status !== 200 || !answer.body.includes('"status":"accepted"')) {
        throw new WrongAnswerError(`post ${index}: ${answer.status} ${answer.body}`);
      }
    },
    onProgress: (done) => progress.update(`posted ${done}/${workload.posts.length}`),
  });
  const postMs = performance.now() - started;
  options.onPosted?.();

  while ((await queueWaiting(runtime)) > 0) {
    if (performance.now() > deadline) {
      throw new WrongAnswerError(
        `the queue never drained; the runtime said: ${options.runtimeLines.slice(-3).join(' | ') || 'nothing'}`,
      );
    }
    progress.update(`processing (${Math.round(performance.now() - started)} ms)`);
    await sleep(POLL_INTERVAL_MS);
  }
  const drainMs = performance.now() - started - postMs;
  options.onDrained?.();
  // Counted here: the verification reads below are the bench's, not the pipeline's.
  const counts = diffCounts(options.snapshot(), before);
  let pending = [...workload.integrationIds];
  let mismatch = '';
  while (pending.length > 0) {
    if (performance.now() > deadline) {
      throw new WrongAnswerError(
        `${pending.length} integration(s) never reached the expected state; e.g. ${mismatch}`,
      );
    }
    const stillWrong: string[] = [];
    await runLoad({
      client,
      requests: pending.map((id) => ({ method: 'GET', path: integrationPath(id) })),
      concurrency,
      deadline,
      check: (answer, index) => {
        const id = pending[index] as string;
        const expected = workload.expected.get(id);
        const seen = answer.status === 200 ? viewFields(answer.body) : undefined;
        if (
          !expected ||
          seen?.state !== expected.state ||
          seen.lastEventAt !== expected.lastEventAt ||
          seen.lastEventType !== expected.lastEventType
        ) {
          stillWrong.push(id);
          mismatch = `${id}: expected ${JSON.stringify(expected)}, got ${answer.status} ${answer.body.slice(0, 200)}`;
        }
      },
    });
    pending = stillWrong;
    progress.update(`verifying: ${pending.length} integration(s) not yet as expected`);
    if (pending.length > 0) await sleep(POLL_INTERVAL_MS);
  }
  return { postMs, drainMs, counts, elapsedMs: performance.now() - started };
};

/** Mean bytes of the posts' bodies. */
export const meanBytes = (posts: readonly Post[]): number =>
  posts.reduce((sum, post) => sum + Buffer.byteLength(post.body), 0) / posts.length;

/** Mean bytes of the queue message each post becomes. */
const meanQueueMessageBytes = (posts: readonly Post[]): number => {
  const receivedAt = new Date().toISOString();
  return (
    posts.reduce(
      (sum, post) =>
        sum +
        Buffer.byteLength(
          JSON.stringify({ kind: 'webhook', receivedAt, webhook: JSON.parse(post.body) }),
        ),
      0,
    ) / posts.length
  );
};

export const measurePipeline = async (options: {
  readonly workload: Workload;
  /** Run after the main workload, on new integrations, wave after wave. */
  readonly lifecycle: readonly Workload[];
  readonly concurrency: number;
  readonly progress: Progress;
  readonly deadline: number;
}): Promise<PipelineResult> => {
  const { workload, progress, concurrency, deadline } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'fiw-bench-pipeline-'));
  const emulators = await startEmulators({ dataDir });
  const proxy = await startAwsProxy({
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    messagingEndpoint: emulators.messagingEndpoint,
  });
  let alertsDelivered = 0;
  const runtimeLines: string[] = [];
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
      port: 0,
      dataDir,
      endpoint: proxy.url,
      happycolisSecrets: [BENCH_SECRET],
      webhookTokens: ['bench-token'],
      alertConsumers: [
        async (event) => {
          // Incidents, not messages: a grouped message covers many.
          for (const record of event.Records) {
            alertsDelivered += v.parse(GroupMessageSchema, JSON.parse(record.body)).total;
          }
          return { batchItemFailures: [] };
        },
      ],
      // Groups close within a second or two, so the run's alerts are delivered before it ends.
      groupTiming: BENCH_GROUP_TIMING,
      print: (line) => runtimeLines.push(line),
      // A duplicate that finds its alert still owed fails and is retried after the visibility
      // timeout (the alert lease). The cloud's 120 s would only stretch the final DLQ check.
      visibilityTimeoutSeconds: RETRY_VISIBILITY_SECONDS,
    });

    progress.update('writes per event');
    const kinds = await writesByKind(runtime, proxy.snapshot, progress);

    progress.update('baseline: conditional UpdateItem');
    const baselineUpdatesPerSec = await baselineUpdates(
      runtime,
      workload.posts.length,
      workload.integrationIds.length,
      concurrency,
      deadline,
    );

    // End to end: posted → visible in GET /integrations/{id}.
    const alertsBefore = alertsDelivered;
    const client = createClient(runtime.url, concurrency);
    const cpuBefore = process.cpuUsage();
    const eluStart = performance.eventLoopUtilization();
    let eluPosted = eluStart;
    let eluDrained = eluStart;
    try {
      const { postMs, drainMs, counts, elapsedMs } = await postDrainVerify({
        runtime,
        snapshot: proxy.snapshot,
        client,
        workload,
        concurrency,
        deadline,
        progress,
        runtimeLines,
        onPosted: () => {
          eluPosted = performance.eventLoopUtilization();
        },
        onDrained: () => {
          eluDrained = performance.eventLoopUtilization(eluPosted);
        },
      });
      const cpu = process.cpuUsage(cpuBefore);
      const coresBusy = (cpu.user + cpu.system) / 1000 / elapsedMs;
      const eluPosting = performance.eventLoopUtilization(eluPosted, eluStart);

      // Records retried after a failure come back after the visibility timeout; the queue
      // (alert-group flushes included) must end empty and the DLQ too, or the run got
      // something wrong.
      const drainDeadline = performance.now() + 4 * RETRY_VISIBILITY_SECONDS * 1000;
      while ((await queueDepth(runtime, runtime.resources.queueUrl)) > 0) {
        if (performance.now() > drainDeadline) {
          throw new WrongAnswerError('records were still being retried after the run');
        }
        progress.update('waiting for retried records and alert flushes');
        await sleep(POLL_INTERVAL_MS * 5);
      }
      // Each distinct errored or rejected event is reported at most once (grouped); one that
      // recovered before its group's message, or arrived after the recovery, is not.
      await sleep(BENCH_GROUP_TIMING.windowMs);
      const reported = alertsDelivered - alertsBefore;
      const reportable = workload.steps.errored + workload.steps.rejected;
      if (reported === 0 || reported > reportable) {
        throw new WrongAnswerError(`${reported} incident(s) reported, expected 1 to ${reportable}`);
      }
      const dlqDepth = await queueDepth(runtime, runtime.resources.deadLetterQueueUrl);
      if (dlqDepth !== 0) throw new WrongAnswerError(`${dlqDepth} message(s) in the DLQ`);

      // Read after the counts were taken: these reads are not part of the run.
      const sizes: number[] = [];
      for (const id of workload.integrationIds) {
        const { Item } = await runtime.clients.document.send(
          new GetCommand({
            TableName: runtime.resources.tableName,
            Key: { pk: `INTEGRATION#${id}`, sk: 'STATE' },
          }),
        );
        if (Item) sizes.push(dynamoItemBytes(Item));
      }

      // The in-order lifecycle, each wave applied before the next is posted.
      let lifecycleCounts: CallCounts = {};
      for (const [index, wave] of options.lifecycle.entries()) {
        progress.update(`lifecycle wave ${index + 1}/${options.lifecycle.length}`);
        const pass = await postDrainVerify({
          runtime,
          snapshot: proxy.snapshot,
          client,
          workload: wave,
          concurrency,
          deadline,
          progress,
          runtimeLines,
        });
        lifecycleCounts = addCounts(lifecycleCounts, pass.counts);
      }
      const lifecyclePosts = options.lifecycle.flatMap((wave) => wave.posts);

      const events = workload.posts.length;
      const eventsPerSec = events / (elapsedMs / 1000);
      return {
        kinds,
        throughput: {
          events,
          integrations: workload.integrationIds.length,
          concurrency,
          eventsPerSec: round(eventsPerSec, 1),
          elapsedMs: Math.round(elapsedMs),
          postMs: Math.round(postMs),
          drainMs: Math.round(drainMs),
          verifyMs: Math.round(elapsedMs - postMs - drainMs),
          eventLoopUtilization: {
            posting: round(eluPosting.utilization),
            draining: round(eluDrained.utilization),
          },
          coresBusy: round(coresBusy, 2),
          baselineUpdatesPerSec: round(baselineUpdatesPerSec, 1),
          ratio: ratio(eventsPerSec, baselineUpdatesPerSec),
          alertsDelivered: alertsDelivered - alertsBefore,
          recordRetries: retriedRecords(runtimeLines),
        },
        counts,
        integrationItem: {
          meanBytes: Math.round(sizes.reduce((sum, size) => sum + size, 0) / sizes.length),
          maxBytes: Math.max(...sizes),
          overOneKb: round(sizes.filter((size) => size > 1024).length / sizes.length),
        },
        meanQueueMessageBytes: Math.round(meanQueueMessageBytes(workload.posts)),
        mixWritesPerEvent: round(sumCounts(counts, isDynamoWrite).requests / events),
        mixReadsPerEvent: round(sumCounts(counts, isDynamoRead).requests / events),
        lifecycle: {
          events: lifecyclePosts.length,
          integrations: options.lifecycle[0]?.integrationIds.length ?? 0,
          counts: lifecycleCounts,
          meanQueueMessageBytes: Math.round(meanQueueMessageBytes(lifecyclePosts)),
          meanWebhookBytes: meanBytes(lifecyclePosts),
        },
      };
    } finally {
      client.close();
    }
  } finally {
    await runtime?.stop();
    await proxy.stop();
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
};
