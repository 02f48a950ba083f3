import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoIntegrationStore } from '../functions/adapters/dynamo-integration-store.ts';
import { EVENT_TYPES } from '../functions/core/events.ts';
import { DEFAULT_HAPPYCOLIS_API_RATE } from '../functions/happycolis/settings.ts';
import { wireHappyColis } from '../functions/reconciler/wiring.ts';
import { startHappyColisStandIn } from '../lib/local/happycolis-stand-in.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';

/**
 * `npm run happycolis:sweep -- [--locations N] [--rate R]`: one reconcile sweep of N locations
 * (default 1,000) against the HappyColis stand-in, over the local emulators, at our own pace
 * (default 5 requests/s). Prints the requests made, the time taken and the peak request rate
 * the stand-in saw. One location in fifty is made to drift.
 */

const { values } = parseArgs({
  options: {
    locations: { type: 'string', default: '1000' },
    rate: { type: 'string', default: String(DEFAULT_HAPPYCOLIS_API_RATE) },
  },
});
const locations = Number(values.locations);
const rate = Number(values.rate);
const organizationId = 'org-sweep';

const dataDir = await mkdtemp(join(tmpdir(), 'happycolis-sweep-'));
const standIn = await startHappyColisStandIn({ clientId: 'sweep', clientSecret: 'sweep-secret' });
const runtime = await startLocalRuntime({
  port: 0,
  dataDir,
  happycolisSecrets: ['unused'],
  webhookTokens: ['unused'],
  print: () => {},
});
try {
  const { document } = runtime.clients;
  const { tableName } = runtime.resources;
  const store = new DynamoIntegrationStore({ client: document, tableName });
  const date = '2026-01-01T00:00:00.000Z';
  for (let start = 0; start < locations; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, locations - start) }, async (_, offset) => {
        const n = start + offset;
        const id = `sweep-int-${String(n).padStart(6, '0')}`;
        const locationId = `sweep-loc-${String(n).padStart(6, '0')}`;
        await store.applyEvent(
          {
            step: 'accepted',
            header: {
              organizationId,
              messageId: `m-${id}`,
              webhookId: 'w-sweep',
              type: EVENT_TYPES.accepted,
              date,
            },
            body: {
              id,
              locationId,
              fulfillmentServiceId: 'fs-sweep',
              accessToken: null,
              scopes: [],
              state: 'ACTIVE',
            },
          },
          new Date(date),
        );
        standIn.locations.set(locationId, {
          organizationId,
          integration: { id, state: n % 50 === 0 ? 'ERROR' : 'ACTIVE' },
        });
      }),
    );
  }
  const happycolis = wireHappyColis({
    document,
    tableName,
    sqs: runtime.clients.sqs,
    queueUrl: runtime.resources.queueUrl,
    loadSettings: async () => ({
      apiUrl: standIn.url,
      rate,
      credentials: { clientId: 'sweep', clientSecret: 'sweep-secret' },
      organizationIds: [organizationId],
    }),
    timing: { intervalMinutes: 60, graceMinutes: 15 },
  });
  const started = Date.now();
  const report = await happycolis.reconcile({ trigger: 'operator' }, () => 900_000);
  const seconds = (Date.now() - started) / 1000;
  const graphql = standIn.requests.filter((request) => request.path === '/graphql').length;
  const tokens = standIn.requests.filter((request) => request.path === '/token').length;
  console.log(
    JSON.stringify(
      {
        locations,
        rate,
        status: report.status,
        requests: { graphql, token: tokens, total: graphql + tokens },
        seconds: Number(seconds.toFixed(1)),
        averageRate: Number((graphql / seconds).toFixed(2)),
        peakRequestsInAnySecond: standIn.peakRate(),
        counts: report.sweep?.counts,
      },
      null,
      2,
    ),
  );
} finally {
  await runtime.stop();
  await standIn.stop();
  await rm(dataDir, { recursive: true, force: true });
}
