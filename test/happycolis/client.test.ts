import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HappyColisApi, HappyColisError, retryAfterMs } from '../../functions/happycolis/client.ts';
import {
  type HappyColisStandIn,
  startHappyColisStandIn,
} from '../../lib/local/happycolis-stand-in.ts';

/** The HappyColis client against the stand-in: tokens, pace, 429s, errors, no credential leaks. */

const SECRET = 'client-secret-never-shown-3f9a';
let standIn: HappyColisStandIn;

beforeAll(async () => {
  standIn = await startHappyColisStandIn({
    clientId: 'client-1',
    clientSecret: SECRET,
    organizationIds: ['org-1', 'org-2'],
    tokenTtlSeconds: 3600,
  });
  standIn.locations.set('loc-1', {
    organizationId: 'org-1',
    integration: { id: 'int-1', state: 'ACTIVE' },
  });
  standIn.locations.set('loc-2', { organizationId: 'org-1', integration: null });
});
afterAll(() => standIn.stop());
afterEach(() => {
  standIn.requests.length = 0;
});

const api = (overrides: Partial<ConstructorParameters<typeof HappyColisApi>[0]> = {}) =>
  new HappyColisApi({
    apiUrl: standIn.url,
    credentials: { clientId: 'client-1', clientSecret: SECRET },
    rate: 50,
    ...overrides,
  });

const everything = (value: unknown) => JSON.stringify(value, Object.getOwnPropertyNames(value));

describe('HappyColis client', () => {
  it('reads a location and its integration, or none, or no such location', async () => {
    const client = api();
    expect(await client.location('org-1', 'loc-1')).toEqual({
      id: 'loc-1',
      integration: { id: 'int-1', state: 'ACTIVE' },
    });
    expect(await client.location('org-1', 'loc-2')).toEqual({ id: 'loc-2', integration: null });
    expect(await client.location('org-1', 'nowhere')).toBeUndefined();
  });

  it('caches the access token per organization until shortly before it expires', async () => {
    let now = Date.now();
    const client = api({ now: () => now });
    for (let i = 0; i < 5; i++) await client.location('org-1', 'loc-1');
    await client.location('org-2', 'loc-1');
    expect(client.stats.tokenRequests).toBe(2);
    // 59 minutes on: renewed before its hour is up (the margin is a minute).
    now += 59 * 60_000 + 1;
    await client.location('org-1', 'loc-1');
    expect(client.stats.tokenRequests).toBe(3);
  });

  it('renews a token HappyColis no longer accepts, once', async () => {
    const client = api();
    await client.location('org-1', 'loc-1');
    standIn.expireTokens();
    expect(await client.location('org-1', 'loc-2')).toEqual({ id: 'loc-2', integration: null });
    expect(client.stats.tokenRequests).toBe(2);
    standIn.failNext(2, { status: 401 });
    await expect(client.location('org-1', 'loc-1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('honours Retry-After on 429: nobody calls again before it has passed', async () => {
    const client = api();
    await client.location('org-1', 'loc-1');
    standIn.requests.length = 0;
    standIn.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    expect(await client.location('org-1', 'loc-1')).toMatchObject({ id: 'loc-1' });
    const [throttled, retried] = standIn.requests;
    expect(throttled?.status).toBe(429);
    expect(retried?.status).toBe(200);
    expect((retried?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(client.stats.throttled).toBe(1);
  });

  it('keeps its own pace', async () => {
    const client = api({ rate: 10 });
    await client.location('org-1', 'loc-1');
    standIn.requests.length = 0;
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => client.location('org-1', 'loc-1')));
    // Six requests at 10/s: the last starts at least 0.5 s after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
    expect(standIn.peakRate()).toBeLessThanOrEqual(10);
  });

  it('retries a 5xx, then gives up with a typed error', async () => {
    const client = api({ sleep: async () => {} });
    standIn.failNext(1, { status: 503 });
    expect(await client.location('org-1', 'loc-1')).toMatchObject({ id: 'loc-1' });
    standIn.failNext(4, { status: 500 });
    await expect(client.location('org-1', 'loc-1')).rejects.toMatchObject({ code: 'SERVER' });
  });

  it('says which scope is missing, and which credentials were refused, never their values', async () => {
    const forbidden = api();
    standIn.failNext(1, { errorCode: 'FORBIDDEN' });
    const error = await forbidden.location('org-1', 'loc-1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HappyColisError);
    expect((error as Error).message).toMatch(/insufficient scope .*view_locations/);

    const refused = api({ credentials: { clientId: 'client-1', clientSecret: 'wrong-secret-77' } });
    const denied = await refused.location('org-1', 'loc-1').catch((caught: unknown) => caught);
    expect(denied).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((denied as Error).message).toMatch(/HAPPYCOLIS_CLIENT_ID, HAPPYCOLIS_CLIENT_SECRET/);
    for (const leaked of [SECRET, 'wrong-secret-77', ...standIn.tokensIssued]) {
      expect(everything(error)).not.toContain(leaked);
      expect(everything(denied)).not.toContain(leaked);
    }
  });

  it('creates and removes webhook subscriptions', async () => {
    const client = api();
    const webhook = await client.createWebhook('org-1', {
      endPoint: 'https://hooks.example.com/webhooks/happycolis',
      type: 'location/fulfillment_service_integration/created',
      headers: { 'x-webhook-token': 'abc' },
    });
    expect(webhook).toMatchObject({
      type: 'location/fulfillment_service_integration/created',
      health: 'HEALTHY',
    });
    expect(standIn.webhooks.get(webhook.id)?.headers).toEqual({ 'x-webhook-token': 'abc' });
    expect(await client.removeWebhook('org-1', webhook.id)).toBe('removed');
    expect(await client.removeWebhook('org-1', webhook.id)).toBe('missing');
    await expect(
      client.createWebhook('org-1', { endPoint: 'http://plain.example.com', type: 'x' }),
    ).rejects.toThrow(/HTTPS/);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2', 0)).toBe(2000);
    expect(retryAfterMs(null, 0)).toBe(1000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
  });
});
