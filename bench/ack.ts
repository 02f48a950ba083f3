import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { IntegrationStore } from '../functions/core/ports.ts';
import { ROUTES } from '../functions/definitions/routes.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';
import { type Answer, createClient, LoadError, type LoadRequest, runLoad } from './http-load.ts';
import type { Progress } from './progress.ts';
import { percentile, ratio, round } from './stats.ts';
import { BENCH_SECRET, benchEvent, signedWebhook } from './workload.ts';

/**
 * Ack latency: a signed `POST /webhooks/happycolis` answered `200` by the local runtime's
 * HTTP server (API Gateway mapping → ingest handler → SendMessage to fauxqs), against the
 * floor for any Lambda-based ack: a bare `node:http` server forwarding the raw body to
 * `SendMessage` on the same fauxqs, with no verification and no validation.
 */

export interface AckLevel {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ratioP50: number;
  readonly ratioP99: number;
  readonly baseline: { readonly p50Ms: number; readonly p99Ms: number };
}

export interface AckResult {
  readonly n: number;
  readonly levels: Readonly<Record<`c${number}`, AckLevel>>;
}

const WARM_UP = 300;

/** Holds every processor call until released: see the note in {@link measureAck}. */
const gated = (store: IntegrationStore, gate: Promise<void>): IntegrationStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await gate;
        return value.apply(target, args);
      };
    },
  });

/** The floor: receive, `SendMessage` the raw body, answer 200. Nothing else. */
const startBaselineServer = async (
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ url: string; stop: () => Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    text(request)
      .then((body) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })))
      .then((sent) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'accepted', queueMessageId: sent.MessageId }));
      })
      .catch(() => {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"error":"unavailable"}');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

let requestSerial = 0;
/** Distinct signed `created` events: no two requests share an integration or a body. */
const webhookRequests = (count: number): LoadRequest[] =>
  Array.from({ length: count }, () => {
    const serial = requestSerial++;
    const event = benchEvent(
      'created',
      `ack-int-${serial}`,
      new Date(Date.parse('2026-02-01T00:00:00.000Z') + serial * 1_000),
      `ack-msg-${serial}`,
    );
    return { method: 'POST', path: ROUTES.happycolis, ...signedWebhook(event) };
  });

const expectAccepted = (answer: Answer, index: number) => {
  if (answer.status !== 200 || !answer.body.includes('"status":"accepted"')) {
    throw new LoadError(
      `request ${index}: expected 200 accepted, got ${answer.status} ${answer.body}`,
    );
  }
};

export const measureAck = async (options: {
  readonly n: number;
  readonly concurrencies: readonly number[];
  readonly progress: Progress;
  readonly deadline: number;
}): Promise<AckResult> => {
  const { progress } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'fiw-bench-ack-'));
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const runtimeLines: string[] = [];
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    happycolisSecrets: [BENCH_SECRET],
    webhookTokens: ['bench-token'],
    alertConsumers: [],
    // In the cloud the processor runs in other Lambda instances, not on the ingest's CPU.
    // On a 2-core machine it would compete with the ack path, so it is held while acks are
    // measured: the pollers each take one batch and wait. Released (and drained) at the end.
    decorateProcessorStore: (store) => gated(store, gate),
    print: (line) => runtimeLines.push(line),
  });
  // Its own client, as a separate Lambda would have; same emulator, same region.
  const sqs = new SQSClient({
    endpoint: runtime.endpoints.messaging,
    region: runtime.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const { QueueUrl: baselineQueueUrl } = await runtime.clients.sqs.send(
    new CreateQueueCommand({ QueueName: 'bench-ack-baseline' }),
  );
  if (!baselineQueueUrl) throw new Error('CreateQueue returned no URL');
  const baseline = await startBaselineServer(sqs, baselineQueueUrl);

  try {
    const levels: Record<`c${number}`, AckLevel> = {};
    for (const concurrency of options.concurrencies) {
      const measured: Record<'runtime' | 'baseline', Float64Array> = {
        runtime: new Float64Array(),
        baseline: new Float64Array(),
      };
      // Baseline first, then the runtime, each warmed up on its own sockets.
      for (const target of ['baseline', 'runtime'] as const) {
        const client = createClient(target === 'runtime' ? runtime.url : baseline.url, concurrency);
        try {
          const label = `c${concurrency} ${target}`;
          await runLoad({
            client,
            requests: webhookRequests(WARM_UP),
            concurrency,
            check: expectAccepted,
            deadline: options.deadline,
          });
          const { latenciesMs } = await runLoad({
            client,
            requests: webhookRequests(options.n),
            concurrency,
            check: expectAccepted,
            deadline: options.deadline,
            onProgress: (done) => progress.update(`${label}: ${done}/${options.n}`),
          });
          measured[target] = latenciesMs;
        } finally {
          client.close();
        }
      }
      const p = (target: 'runtime' | 'baseline', q: number) => percentile(measured[target], q);
      levels[`c${concurrency}`] = {
        p50Ms: round(p('runtime', 50)),
        p99Ms: round(p('runtime', 99)),
        ratioP50: ratio(p('runtime', 50), p('baseline', 50)),
        ratioP99: ratio(p('runtime', 99), p('baseline', 99)),
        baseline: { p50Ms: round(p('baseline', 50)), p99Ms: round(p('baseline', 99)) },
      };
    }
    const failures = runtimeLines.filter((line) => /fail|threw|error/i.test(line));
    if (failures.length > 0) {
      throw new Error(`the runtime reported failures during the ack run: ${failures[0]}`);
    }
    return { n: options.n, levels };
  } finally {
    release();
    await baseline.stop();
    sqs.destroy();
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
};
