import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SIGNATURE_HEADER, sign } from '../functions/core/signature.ts';
import { ROUTES } from '../functions/definitions/routes.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';
import { sampleBody } from '../lib/local/samples.ts';

/**
 * Ack latency of the local runtime: the time from sending a signed webhook to reading the
 * 200, i.e. HTTP mapping + verification + validation + SendMessage. Sequential posts, so
 * each figure is one request alone; the processor runs meanwhile, as it would.
 *
 *   npx tsx scripts/ack-latency.ts [count]
 */

const COUNT = Number(process.argv[2] ?? 1_000);
if (!Number.isInteger(COUNT) || COUNT < 1) {
  console.error('Usage: npx tsx scripts/ack-latency.ts [count]   (count: a positive integer)');
  process.exit(2);
}
const WARM_UP = 50;
const SECRET = 'ack-latency-secret';

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const dataDir = await mkdtemp(join(tmpdir(), 'ack-latency-'));
const runtime = await startLocalRuntime({
  port: 0,
  dataDir,
  happycolisSecrets: [SECRET],
  webhookTokens: [],
  alertConsumers: [],
  print: () => {},
});

try {
  // Bodies are built and signed up front: that is the sender's work, not the ack's.
  const requests = await Promise.all(
    Array.from({ length: WARM_UP + COUNT }, async (_, i) => {
      const body = await sampleBody('created', {
        id: `latency-integration-${i}`,
        messageId: `latency-message-${i}`,
      });
      return { body, signature: sign(SECRET, body) };
    }),
  );
  const latencies: number[] = [];
  for (const [i, { body, signature }] of requests.entries()) {
    const started = performance.now();
    const response = await fetch(`${runtime.url}${ROUTES.happycolis}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
      body,
    });
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`post ${i} answered ${response.status}`);
    if (i >= WARM_UP) latencies.push(elapsed);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
  const format = (ms: number) => `${ms.toFixed(2)} ms`;
  console.log(`${COUNT} sequential signed posts (after ${WARM_UP} warm-up), all 200`);
  console.log(`p50  ${format(percentile(sorted, 50))}`);
  console.log(`p90  ${format(percentile(sorted, 90))}`);
  console.log(`p99  ${format(percentile(sorted, 99))}`);
  console.log(`max  ${format(sorted.at(-1) ?? Number.NaN)}`);
  console.log(`mean ${format(mean)}`);
} finally {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
}
