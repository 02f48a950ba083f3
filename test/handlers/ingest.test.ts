import { beforeEach, describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { sign } from '../../functions/core/signature.ts';
import { MAX_BODY_BYTES } from '../../functions/definitions/resources.ts';
import { createIngestHandler, MissingSecretError } from '../../functions/ingest/ingest.ts';
import { httpEvent } from '../support/http-events.ts';
import { seedSample } from '../support/seeds.ts';
import { InMemoryEventQueue } from '../twins/index.ts';

const SECRET = 'test-secret';
const TOKEN = 'test-token';
const config = { happycolisSecrets: ['old-secret', SECRET], webhookTokens: [TOKEN] };

let queue: InMemoryEventQueue;
let handler: ReturnType<typeof createIngestHandler>;

beforeEach(() => {
  queue = new InMemoryEventQueue();
  handler = createIngestHandler({
    config,
    queue,
    clock: () => new Date('2024-06-12T00:00:00.000Z'),
  });
});

/** What the processor would receive: the queued bodies, parsed against the message schema. */
const queued = async (): Promise<QueueMessage[]> => queue.receive();

const queueDepth = async () => queue.depth;

const postWebhook = (body: string, signature?: string) =>
  handler(
    httpEvent('POST', '/webhooks/happycolis', {
      body,
      headers: signature === undefined ? {} : { 'x-happycolis-webhook-signature': signature },
    }),
  );

const parseBody = (result: Awaited<ReturnType<typeof handler>>) => JSON.parse(result.body ?? '');

describe('POST /webhooks/happycolis', () => {
  it('accepts a signed seed sample and queues it', async () => {
    const body = seedSample('errored');
    const result = await postWebhook(body, sign(SECRET, body));
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toMatchObject({
      status: 'accepted',
      messageId: 'u2v3w4x5-y6z7-8901-abcd-234567890123',
    });
    const [message] = await queued();
    expect(message).toMatchObject({ kind: 'webhook', receivedAt: '2024-06-12T00:00:00.000Z' });
  });

  it('accepts a signature made with a secret being rotated out', async () => {
    const body = seedSample('created');
    expect((await postWebhook(body, sign('old-secret', body))).statusCode).toBe(200);
  });

  it('accepts a signature over JSON.stringify({header, body}) of a re-formatted body', async () => {
    const body = seedSample('rejected');
    const { header, body: inner } = JSON.parse(body);
    expect(
      (await postWebhook(body, sign(SECRET, JSON.stringify({ header, body: inner })))).statusCode,
    ).toBe(200);
  });

  it.each([
    ['no signature', undefined, /missing x-happycolis-webhook-signature/],
    ['a wrong signature', sign('wrong', 'x'), /matches no configured client secret/],
  ])('answers 401 to %s and queues nothing', async (_name, signature, message) => {
    const result = await postWebhook(seedSample('created'), signature);
    expect(result.statusCode).toBe(401);
    expect(parseBody(result).message).toMatch(message);
    expect(await queueDepth()).toBe(0);
  });

  it('answers 413 to a body over 256 KiB', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(MAX_BODY_BYTES) });
    const result = await postWebhook(body, sign(SECRET, body));
    expect(result.statusCode).toBe(413);
    expect(parseBody(result).message).toContain(String(MAX_BODY_BYTES));
    expect(await queueDepth()).toBe(0);
  });

  it('quarantines an authentic invalid payload, token redacted, and answers 200 with the reasons', async () => {
    const sample = JSON.parse(seedSample('created'));
    sample.header.type = 'location/fulfillment_service_integration/accepted';
    sample.body.accessToken = 'tok_SECRET_123';
    sample.body.scopes = null;
    const body = JSON.stringify(sample);
    const result = await postWebhook(body, sign(SECRET, body));
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toEqual({
      status: 'quarantined',
      errors: [{ path: 'body.scopes', message: expect.stringContaining('Array') }],
    });
    const [message] = await queued();
    expect(message?.kind).toBe('quarantine');
    const payload =
      message?.kind === 'quarantine' ? Buffer.from(message.payloadBase64, 'base64').toString() : '';
    expect(payload).toContain('"accessToken":"[redacted]"');
    expect(JSON.stringify(message)).not.toContain('tok_SECRET_123');
  });

  it('quarantines authentic bytes that are not JSON', async () => {
    const body = 'not json';
    const result = await postWebhook(body, sign(SECRET, body));
    expect(parseBody(result)).toMatchObject({ status: 'quarantined' });
    expect((await queued())[0]?.kind).toBe('quarantine');
  });

  it('decodes base64 bodies as API Gateway delivers them', async () => {
    const body = seedSample('created');
    const result = await handler(
      httpEvent('POST', '/webhooks/happycolis', {
        body: Buffer.from(body).toString('base64'),
        isBase64Encoded: true,
        headers: { 'x-happycolis-webhook-signature': sign(SECRET, body) },
      }),
    );
    expect(result.statusCode).toBe(200);
  });

  it('answers 503, never 200, when the queue is unavailable', async () => {
    queue.faults.failNext('send', { error: new Error('SQS is down') });
    const body = seedSample('created');
    const result = await postWebhook(body, sign(SECRET, body));
    expect(result.statusCode).toBe(503);
    expect(result.body).not.toContain('SQS is down');
    expect(await queueDepth()).toBe(0);
  });
});

describe('POST /webhooks/delivery-errors', () => {
  const notice = JSON.stringify({
    code: 500,
    endpoint: 'https://example.test/hook',
    message: 'timeout',
  });
  const post = (authorization?: string, body = notice) =>
    handler(
      httpEvent('POST', '/webhooks/delivery-errors', {
        body,
        headers: authorization ? { authorization } : {},
      }),
    );

  it('queues a notice with a valid bearer token', async () => {
    const result = await post(`Bearer ${TOKEN}`);
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toMatchObject({ status: 'accepted', messageId: expect.any(String) });
    expect(await queued()).toEqual([
      {
        kind: 'delivery-error',
        receivedAt: '2024-06-12T00:00:00.000Z',
        notice: { code: '500', endpoint: 'https://example.test/hook', message: 'timeout' },
      },
    ]);
  });

  it('answers 401 without a valid token', async () => {
    expect((await post()).statusCode).toBe(401);
    expect((await post('Bearer nope')).statusCode).toBe(401);
    expect(await queueDepth()).toBe(0);
  });

  it('quarantines an authentic notice that does not match the contract', async () => {
    const result = await post(`Bearer ${TOKEN}`, '{"code":500}');
    expect(parseBody(result)).toMatchObject({ status: 'quarantined' });
  });
});

describe('routing and start-up', () => {
  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await handler(httpEvent('POST', '/elsewhere'))).statusCode).toBe(404);
    expect((await handler(httpEvent('GET', '/webhooks/happycolis'))).statusCode).toBe(405);
  });

  it('refuses to start without a client secret', () => {
    expect(() =>
      createIngestHandler({
        config: { happycolisSecrets: [], webhookTokens: [] },
        queue: { send: () => Promise.resolve({ queueMessageId: 'x' }) },
      }),
    ).toThrow(MissingSecretError);
  });
});
