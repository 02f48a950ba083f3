import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { MAX_BODY_BYTES } from '../../functions/definitions/resources.ts';
import { HARD_BODY_CAP_BYTES } from '../../lib/local/http-server.ts';
import { sampleBody } from '../../lib/local/samples.ts';
import {
  getIntegration,
  postWebhook,
  queueDepth,
  request,
  SECRET,
  startTestRuntime,
  type TestRuntime,
  TOKEN,
  waitFor,
  waitUntilIdle,
} from './support.ts';

let test: TestRuntime;

beforeAll(async () => {
  test = await startTestRuntime();
});

afterAll(async () => {
  await test?.stop();
});

const eventQueueDepth = () => queueDepth(test.runtime, test.runtime.resources.queueUrl);

const postNotice = (body: unknown, authorization?: string) =>
  request(test.url, {
    path: '/webhooks/delivery-errors',
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(body),
  });

describe('authentication and limits at the edge', () => {
  it('answers 401 to a bad signature and queues nothing', async () => {
    await waitUntilIdle(test);
    const id = 'forged-integration-0001';
    const body = await sampleBody('created', { id });
    const posted = await postWebhook(test.url, body, { secret: 'not-the-secret' });
    expect(posted.status).toBe(401);
    expect(posted.json).toMatchObject({ error: 'unauthorized' });
    expect(await eventQueueDepth()).toBe(0);
    // Had anything slipped through, the poller would have stored it by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await getIntegration(test.url, id)).status).toBe(404);
  });

  it('answers 401 to a missing signature and queues nothing', async () => {
    await waitUntilIdle(test);
    const posted = await postWebhook(test.url, await sampleBody('created', { id: 'unsigned-1' }), {
      signature: null,
    });
    expect(posted.status).toBe(401);
    expect(posted.text).toContain('x-happycolis-webhook-signature');
    expect(await eventQueueDepth()).toBe(0);
  });

  it('answers the handler’s 413 to a body just over 256 KiB, queueing nothing', async () => {
    await waitUntilIdle(test);
    const body = JSON.stringify({ padding: 'x'.repeat(MAX_BODY_BYTES) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
    const posted = await postWebhook(test.url, body);
    expect(posted.status).toBe(413);
    expect(posted.json).toMatchObject({ error: 'payload_too_large' });
    expect(await eventQueueDepth()).toBe(0);
  });

  it('cuts off a body beyond the hard cap without reading it all', async () => {
    const body = 'x'.repeat(HARD_BODY_CAP_BYTES + 1);
    const posted = await postWebhook(test.url, body);
    expect(posted.status).toBe(413);
    expect(posted.json).toEqual({ message: 'Request Entity Too Large' });
  });

  it('accepts a body sent without a content type (delivered base64-encoded, as API Gateway does)', async () => {
    const id = 'untyped-body-0001';
    const body = await sampleBody('created', { id });
    const posted = await request(test.url, {
      path: '/webhooks/happycolis',
      method: 'POST',
      headers: { [SIGNATURE_HEADER]: sign(SECRET, body) },
      body: new TextEncoder().encode(body),
    });
    expect(posted.status, posted.text).toBe(200);
    await waitFor('the untyped event to be stored', async () =>
      (await getIntegration(test.url, id)).status === 200 ? true : undefined,
    );
  });
});

describe('authentic but invalid payloads', () => {
  it('answers 200 quarantined with the reasons, and alerts once', async () => {
    const body = JSON.stringify({
      header: {
        organizationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        messageId: 'invalid-payload-0001',
        webhookId: 'c3d4e5f6-a7b8-9012-cdef-123456789012',
        type: 'location/fulfillment_service_integration/created',
        date: 'not a date',
      },
      body: { id: 'quarantined-integration-0001', accessToken: 'secret-token-in-bad-payload' },
    });
    const posted = await postWebhook(test.url, body);
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ status: 'quarantined' });
    expect(posted.json).toHaveProperty('errors');
    const errors = (posted.json as { errors: unknown[] }).errors;
    expect(errors.length).toBeGreaterThan(0);

    const alert = await waitFor('the quarantine alert', async () =>
      test.alerts.find((candidate) => candidate.kind === 'quarantined'),
    );
    expect(alert.severity).toBeDefined();
    expect(JSON.stringify(alert)).not.toContain('secret-token-in-bad-payload');

    // The same bad payload again: still 200, still one alert.
    expect((await postWebhook(test.url, body)).status).toBe(200);
    await waitUntilIdle(test);
    expect(test.alerts.filter((candidate) => candidate.kind === 'quarantined')).toHaveLength(1);
  });
});

describe('delivery-error notices', () => {
  const notice = {
    code: 503,
    endpoint: 'https://example.test/webhooks/happycolis',
    message: 'three consecutive deliveries failed',
  };

  it('accepts a notice with the bearer token and alerts', async () => {
    const posted = await postNotice(notice, `Bearer ${TOKEN}`);
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ status: 'accepted' });
    const alert = await waitFor('the delivery-error alert', async () =>
      test.alerts.find((candidate) => candidate.kind === 'delivery-error'),
    );
    expect(JSON.stringify(alert)).toContain(notice.endpoint);
  });

  it('answers 401 without a token or with a wrong one, queueing nothing', async () => {
    await waitUntilIdle(test);
    expect((await postNotice(notice)).status).toBe(401);
    expect((await postNotice(notice, 'Bearer wrong-token')).status).toBe(401);
    expect(await eventQueueDepth()).toBe(0);
  });
});

describe('the read side and the local API shell', () => {
  it('answers 404 for an integration nobody has heard of', async () => {
    const response = await getIntegration(test.url, 'no-such-integration');
    expect(response.status).toBe(404);
  });

  it('answers /health with 200 JSON', async () => {
    const response = await request(test.url, { path: '/health', method: 'GET' });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok' });
  });

  it('answers unknown routes and methods like API Gateway', async () => {
    const unknown = await request(test.url, { path: '/nope', method: 'GET' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: 'Not Found' });
    const wrongMethod = await request(test.url, { path: '/webhooks/happycolis', method: 'GET' });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.json).toEqual({ message: 'Not Found' });
  });
});
