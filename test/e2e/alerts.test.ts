import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { type LocalRuntime, startLocalRuntime } from '../../lib/local/runtime.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { seedSample } from '../support/seeds.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/webhook-stand-in.ts';

/**
 * The whole alert path on the local runtime: signed webhook → ingest → SQS → processor →
 * DynamoDB and the alert ledger → a delayed flush on the event queue → SNS → alerts queue →
 * the stdout printer and the slack-notifier handler → a stand-in Slack. Group windows are
 * shortened so groups close within the test. Each case uses its own organization, so its
 * incidents form groups of their own.
 */

const SECRET = 'e2e-happycolis-secret';
const TOKEN = 'tok_SECRET_123';
const WINDOW_MS = 3_000;
const INTERVAL_MS = 5_000;
/** After the expected posts, watch this long that no more arrive (one group interval and more). */
const SETTLE_MS = INTERVAL_MS + 1_500;

let runtime: LocalRuntime;
let slack: SlackStandIn;
let dataDir: string;
const printed: string[] = [];

beforeAll(async () => {
  slack = await startSlackStandIn();
  dataDir = await mkdtemp(join(tmpdir(), 'fiw-e2e-alerts-'));
  runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    happycolisSecrets: [SECRET],
    webhookTokens: ['e2e-token'],
    visibilityTimeoutSeconds: 3,
    chatWebhooks: { slack: slack.url },
    groupTiming: { windowMs: WINDOW_MS, intervalMs: INTERVAL_MS },
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

/** A lifecycle event as HappyColis would post it, for one organization. */
const wire = (organizationId: string, ...args: Parameters<typeof lifecycleEvent>) => {
  const event = envelope(lifecycleEvent(...args));
  return JSON.stringify({ ...event, header: { ...event.header, organizationId } });
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Slack posts that name the organization. */
const postsFor = (organizationId: string) =>
  slack.posts().filter((post) => post.raw.includes(organizationId));

/** Waits until `count` posts arrived for the organization, then watches that no more do. */
const expectPostsSettled = async (organizationId: string, count: number, withinMs = 15_000) => {
  const deadline = Date.now() + withinMs;
  while (postsFor(organizationId).length < count && Date.now() < deadline) await sleep(100);
  await sleep(SETTLE_MS);
  const posts = postsFor(organizationId);
  expect(posts).toHaveLength(count);
  return posts;
};

const idsIn = (text: string, prefix: string): Set<string> =>
  new Set(text.match(new RegExp(`${prefix}-\\d{3}`, 'g')) ?? []);

// The cases use distinct organizations and filter posts by them, so they run side by side.
describe.concurrent('alerts end to end', () => {
  it('posts the seed errored event once, as a single alert, despite redelivery and a resend', async () => {
    const sample = seedSample('errored');
    await send(sample);
    await send(sample);
    const resent = JSON.parse(sample);
    resent.header.messageId = 'resend-0001';
    await send(JSON.stringify(resent));

    const [post] = await expectPostsSettled(resent.header.organizationId, 1);
    expect(post?.body.text).toContain('[CRITICAL] Fulfillment integration errored at location');
    expect(post?.raw).toContain(resent.body.id);
    expect(printed.some((line) => line.includes('integration-errored'))).toBe(true);
  });

  it('groups an outage into one message, then reports the recovery as one resolved notice', async () => {
    const organization = 'e2e-org-outage';
    const id = (index: number) => `e2e-outage-${String(index).padStart(3, '0')}`;
    /** `count` integrations send `step` at `date`, all at once. */
    const sendEach = (count: number, step: 'errored' | 'accepted', date: string) =>
      Promise.all(
        Array.from({ length: count }, (_, index) =>
          send(wire(organization, step, { id: id(index), date, messageId: `${step}-${index}` })),
        ),
      );
    await sendEach(40, 'errored', '2024-06-11T14:00:00.000Z');
    const [firing] = await expectPostsSettled(organization, 1);
    expect(idsIn(firing?.raw ?? '', 'e2e-outage').size).toBe(40);

    await sendEach(10, 'accepted', '2024-06-11T15:00:00.000Z');
    const posts = await expectPostsSettled(organization, 2);
    const resolved = posts[1]?.raw ?? '';
    expect(idsIn(resolved, 'e2e-outage')).toEqual(
      new Set(Array.from({ length: 10 }, (_, index) => id(index))),
    );
    expect(resolved.toLowerCase()).toContain('resolved');
  }, 45_000);

  it('never puts the access token in a post or a printed line', async () => {
    const organization = 'e2e-org-token';
    const id = 'e2e-token-001';
    await send(wire(organization, 'created', { id, date: '2024-06-10T09:00:00.000Z' }));
    await send(
      wire(organization, 'accepted', { id, date: '2024-06-10T10:00:00.000Z', accessToken: TOKEN }),
    );
    await send(wire(organization, 'errored', { id, date: '2024-06-11T14:00:00.000Z' }));
    await expectPostsSettled(organization, 1);
    await send(
      wire(organization, 'accepted', { id, date: '2024-06-12T10:00:00.000Z', accessToken: TOKEN }),
    );
    await expectPostsSettled(organization, 2);
    for (const request of slack.requests) expect(request.raw).not.toContain(TOKEN);
    expect(printed.join('\n')).not.toContain(TOKEN);
  }, 45_000);
});
