import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseWebhook } from '../functions/core/events.ts';
import { verifySignature } from '../functions/core/signature.ts';
import { ROUTES } from '../functions/definitions/routes.ts';
import { createIngestHandler } from '../functions/ingest/ingest.ts';
import type { Progress } from './progress.ts';
import { round } from './stats.ts';
import { BENCH_SECRET, benchEvent, signedWebhook } from './workload.ts';

/**
 * CPU spent by the ingest handler per request, without the SQS call: the handler runs
 * in-process with a queue that resolves at once, so what is left is verify + parse + validate
 * + building the answer. `process.cpuUsage()` counts user + system time of this process only,
 * so a busy neighbour on a shared machine does not inflate it the way wall time would.
 */

export interface IngestCpuResult {
  readonly cpuUsPerRequest: number;
  readonly iterations: number;
  /** The two parts that dominate, measured alone the same way. */
  readonly parts: { readonly verifyUs: number; readonly parseValidateUs: number };
}

const WARM_UP = 3_000;

const httpEvent = (body: string, headers: Record<string, string>): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: `POST ${ROUTES.happycolis}`,
  rawPath: ROUTES.happycolis,
  rawQueryString: '',
  headers,
  isBase64Encoded: false,
  body,
  requestContext: {
    accountId: '000000000000',
    apiId: 'bench',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: {
      method: 'POST',
      path: ROUTES.happycolis,
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'bench',
    },
    requestId: 'bench',
    routeKey: `POST ${ROUTES.happycolis}`,
    stage: '$default',
    time: '05/Jan/2026:08:00:00 +0000',
    timeEpoch: 1_767_600_000_000,
  },
});

/** CPU µs per call of `work` over `iterations` calls, after a warm-up. */
const cpuPerCall = async (
  iterations: number,
  work: (index: number) => unknown,
): Promise<number> => {
  for (let i = 0; i < WARM_UP; i++) await work(i);
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await work(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
};

export const measureIngestCpu = async (options: {
  readonly iterations: number;
  readonly progress: Progress;
}): Promise<IngestCpuResult> => {
  const handler = createIngestHandler({
    config: { happycolisSecrets: [BENCH_SECRET], webhookTokens: ['bench-token'] },
    queue: { send: async () => ({ queueMessageId: 'bench' }) },
  });
  // A pool of distinct bodies, so no string or JIT shortcut makes one payload artificially
  // cheap; every iteration still does the full work on one of them.
  const pool = Array.from({ length: 256 }, (_, i) => {
    const step = (['created', 'accepted', 'errored'] as const)[i % 3] ?? 'created';
    const webhook = signedWebhook(
      benchEvent(step, `cpu-int-${i}`, new Date(Date.parse('2026-03-01T00:00:00Z') + i), `m-${i}`),
    );
    return { ...webhook, event: httpEvent(webhook.body, { ...webhook.headers }) };
  });
  const at = (index: number) => pool[index % pool.length] as (typeof pool)[number];

  options.progress.update('handler');
  const cpuUsPerRequest = await cpuPerCall(options.iterations, async (i) => {
    const result = await handler(at(i).event);
    if (result.statusCode !== 200) throw new Error(`ingest answered ${result.statusCode}`);
  });
  options.progress.update('verify alone');
  const verifyUs = await cpuPerCall(options.iterations, (i) => {
    const item = at(i);
    const signature = item.headers['x-happycolis-webhook-signature'];
    if (!verifySignature(signature, [Buffer.from(item.body)], [BENCH_SECRET])) {
      throw new Error('signature did not verify');
    }
  });
  options.progress.update('parse + validate alone');
  const parseValidateUs = await cpuPerCall(options.iterations, (i) => {
    if (!parseWebhook(at(i).body).success) throw new Error('workload event did not validate');
  });
  return {
    cpuUsPerRequest: round(cpuUsPerRequest, 1),
    iterations: options.iterations,
    parts: { verifyUs: round(verifyUs, 1), parseValidateUs: round(parseValidateUs, 1) },
  };
};
