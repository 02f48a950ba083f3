import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationStore } from '../../functions/core/ports.ts';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { type LocalRuntime, startLocalRuntime } from '../../lib/local/runtime.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { seedSample } from '../support/seeds.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.ts';

/**
 * The whole alert path on the local runtime: signed webhook → ingest → SQS → processor →
 * DynamoDB → SNS → alerts queue → slack-notifier handler → a stand-in Slack. Faults are
 * injected in the processor's store, at the two crash points around the publish.
 */

const SECRET = 'e2e-happycolis-secret';
const TOKEN = 'tok_SECRET_123';
/**
 * The processor's alert lease, shortened from its timeout (as in the cloud, no run outlives
 * it): a redelivery that finds an alert owed and younger than that fails again (its writer may
 * still be sending).
 */
const ALERT_LEASE_MS = 2_000;
/**
 * Longer than the lease, as the cloud's is longer than the processor's timeout: the first
 * redelivery after a crash comes when no run can still be in flight.
 */
const VISIBILITY_TIMEOUT_SECONDS = 3;
/**
 * How long "nothing more arrives" is watched after the expected posts: past one visibility
 * timeout, so a redelivered duplicate that wrongly posted would be seen.
 */
const SETTLE_MS = VISIBILITY_TIMEOUT_SECONDS * 1000 + 500;

let runtime: LocalRuntime;
let slack: SlackStandIn;
let dataDir: string;
const printed: string[] = [];

/** Faults armed per integration id: how many calls fail before they pass again. */
const faults = {
  beforePublish: new Map<string, number>(),
  afterPublish: new Map<string, number>(),
};

const trip = (armed: Map<string, number>, id: string): boolean => {
  const left = armed.get(id) ?? 0;
  if (left <= 0) return false;
  armed.set(id, left - 1);
  return true;
};

/**
 * The processor's store with two crash points: reading the integration to build the alert
 * (after both state writes, before the publish) and marking the alert sent (after it).
 */
const withFaults = (store: IntegrationStore): IntegrationStore =>
  new Proxy(store, {
    get(target, property) {
      if (property === 'getIntegrationWithHistory') {
        return (id: string) =>
          trip(faults.beforePublish, id)
            ? Promise.reject(new Error('injected: crash before the publish'))
            : target.getIntegrationWithHistory(id);
      }
      if (property === 'markAlertSent') {
        return (...args: Parameters<IntegrationStore['markAlertSent']>) => {
          const [ref] = args;
          const id = ref.kind === 'event' ? ref.integrationId : '';
          return trip(faults.afterPublish, id)
            ? Promise.reject(new Error('injected: crash after the publish'))
            : target.markAlertSent(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

beforeAll(async () => {
  slack = await startSlackStandIn();
  dataDir = await mkdtemp(join(tmpdir(), 'fiw-e2e-alerts-'));
  runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    happycolisSecrets: [SECRET],
    webhookTokens: ['e2e-token'],
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    processorAlertLeaseMs: ALERT_LEASE_MS,
    slackWebhookUrl: slack.url,
    decorateProcessorStore: withFaults,
    print: (line) => printed.push(line),
  });
});
afterAll(async () => {
  await runtime?.stop();
  await slack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const send = async (body: string): Promise<void> => {
  const response = await fetch(`${runtime.url}/webhooks/happycolis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(SECRET, body) },
    body,
  });
  expect(response.status).toBe(200);
};

/** A lifecycle event as HappyColis would post it. */
const wire = (...args: Parameters<typeof lifecycleEvent>) =>
  JSON.stringify(envelope(lifecycleEvent(...args)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const incidentOf = (raw: string): string =>
  /incident `([^`]*)`/.exec(JSON.parse(raw).blocks.at(-1).elements[0].text)?.[1] ?? '';

/** Slack posts about one integration, by incident key. */
const postsFor = (integrationId: string): string[] =>
  slack
    .posts()
    .map((post) => incidentOf(post.raw))
    .filter((key) => key.startsWith(`${integrationId}|`));

/** Waits until `count` posts arrived for the integration, then watches that no more do. */
const expectPostsSettled = async (
  integrationId: string,
  count: number,
  withinMs = 15_000,
): Promise<string[]> => {
  const deadline = Date.now() + withinMs;
  while (postsFor(integrationId).length < count && Date.now() < deadline) await sleep(100);
  await sleep(SETTLE_MS);
  const keys = postsFor(integrationId);
  expect(keys).toHaveLength(count);
  return keys;
};

// The cases use distinct integrations and filter posts by them, so they run side by side.
describe.concurrent('alerts end to end', () => {
  it('posts the seed errored event once, despite redelivery and a resend under a new messageId', async () => {
    const sample = seedSample('errored');
    await send(sample);
    await send(sample);
    const resent = JSON.parse(sample);
    resent.header.messageId = 'resend-0001';
    await send(JSON.stringify(resent));

    const id = resent.body.id as string;
    expect(await expectPostsSettled(id, 1)).toEqual([
      `${id}|location/fulfillment_service_integration/errored|2024-06-11T14:00:00.000Z`,
    ]);
    const post = slack.posts().find((candidate) => candidate.raw.includes(id));
    expect(post?.body.text).toContain('[CRITICAL] Fulfillment integration errored at location');
    expect(printed.some((line) => line.includes('ALERT [CRITICAL] integration-errored'))).toBe(
      true,
    );
  });

  it('posts one per distinct incident when events arrive out of order, twice', async () => {
    const id = 'e2e-out-of-order';
    const events = [
      wire('errored', { id, date: '2024-06-10T12:00:00.000Z', messageId: 'ooo-e' }),
      wire('rejected', { id, date: '2024-06-10T11:00:00.000Z', messageId: 'ooo-r' }),
      wire('created', { id, date: '2024-06-10T09:00:00.000Z', messageId: 'ooo-c' }),
    ];
    for (const body of events) await send(body);
    for (const body of events.reverse()) await send(body);

    const keys = await expectPostsSettled(id, 2);
    expect(keys.sort()).toEqual([
      `${id}|location/fulfillment_service_integration/errored|2024-06-10T12:00:00.000Z`,
      `${id}|location/fulfillment_service_integration/rejected|2024-06-10T11:00:00.000Z`,
    ]);
  });

  it(
    'posts once when the processor crashes before the publish, and once when it crashes after it',
    async () => {
      // Both at once: each waits a redelivery (the visibility timeout) before it can finish.
      const before = 'e2e-crash-before-publish';
      const after = 'e2e-crash-after-publish';
      faults.beforePublish.set(before, 1);
      faults.afterPublish.set(after, 1);
      await send(wire('errored', { id: before, date: '2024-06-11T14:00:00.000Z' }));
      await send(wire('errored', { id: after, date: '2024-06-11T14:00:00.000Z' }));

      const redelivery = (VISIBILITY_TIMEOUT_SECONDS + 10) * 1000;
      const [beforeKeys, afterKeys] = await Promise.all([
        expectPostsSettled(before, 1, redelivery),
        expectPostsSettled(after, 1, redelivery),
      ]);
      expect(beforeKeys).toHaveLength(1);
      expect(afterKeys).toHaveLength(1);
      expect(faults.beforePublish.get(before)).toBe(0);
      expect(faults.afterPublish.get(after)).toBe(0);
      // The crash after the publish made the redelivery publish again (printed twice); the
      // notifier's ledger kept Slack at one post.
      const printedFor = (id: string) =>
        printed.filter((line) => line.startsWith('ALERT') && line.includes(`integration ${id} `));
      expect(printedFor(after)).toHaveLength(2);
      expect(printedFor(before)).toHaveLength(1);
    },
    (VISIBILITY_TIMEOUT_SECONDS + 20) * 1000,
  );

  it('never puts the access token in a post, even with an accepted event in the history', async () => {
    const id = 'e2e-token';
    await send(wire('created', { id, date: '2024-06-10T09:00:00.000Z' }));
    await send(wire('accepted', { id, date: '2024-06-10T10:00:00.000Z', accessToken: TOKEN }));
    await send(wire('errored', { id, date: '2024-06-11T14:00:00.000Z' }));
    await expectPostsSettled(id, 1);
    const post = slack.posts().find((candidate) => candidate.raw.includes(id));
    expect(post?.raw).toContain('*accepted*');
    for (const request of slack.requests) expect(request.raw).not.toContain(TOKEN);
    expect(printed.join('\n')).not.toContain(TOKEN);
  });
});
