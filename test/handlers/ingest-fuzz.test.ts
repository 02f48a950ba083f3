import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { storageProblems } from '../../functions/core/capacity.ts';
import { validateWebhook } from '../../functions/core/events.ts';
import {
  DYNAMODB_ITEM_MAX_BYTES,
  dynamoItemBytes,
  QUARANTINE_MAX_ERRORS,
  QUARANTINE_PAYLOAD_MAX_BYTES,
  SQS_FORBIDDEN_CHARACTER,
  SQS_MESSAGE_MAX_BYTES,
  utf8Bytes,
} from '../../functions/core/limits.ts';
import type { EventQueue } from '../../functions/core/ports.ts';
import {
  encodeQueueMessage,
  type QueueMessage,
  QueueMessageSchema,
} from '../../functions/core/queue-message.ts';
import { MAX_BODY_BYTES } from '../../functions/definitions/resources.ts';
import { quarantineKey } from '../../functions/definitions/table-keys.ts';
import { createIngestHandler } from '../../functions/ingest/ingest.ts';
import {
  envelope,
  FUZZ_SECRET,
  maybe,
  mutate,
  mutation,
  nearlyValid,
  repeat,
  FUZZ_SECRETS as SECRETS,
  signatureFor,
  signing,
  text,
  token,
  withoutAbsent,
} from '../../scripts/fuzz-payloads.ts';
import { httpEvent } from '../support/http-events.ts';

/**
 * Property-based fuzzing of the ingest: any input, signed or not, gets 200, 401 or 413,
 * never a 5xx; only signed input is queued; what is queued fits SQS (and the local emulator),
 * can be stored by the processor, and never carries the token outside the one field the
 * processor needs (`webhook.body.accessToken` of an accepted event).
 */

const BEARER = 'fuzz-bearer';

/** The queue as SQS and fauxqs see it: the encoded body must pass both. */
class CheckingQueue implements EventQueue {
  readonly sent: { readonly message: QueueMessage; readonly body: string }[] = [];

  async send(message: QueueMessage): Promise<{ queueMessageId: string }> {
    const body = encodeQueueMessage(message);
    if (utf8Bytes(body) > SQS_MESSAGE_MAX_BYTES) throw new Error('message too long');
    if (SQS_FORBIDDEN_CHARACTER.test(body)) throw new Error('invalid character for SQS');
    if (/[\ud800-\udfff]/.test(body)) throw new Error('fauxqs refuses non-BMP characters');
    this.sent.push({ message, body });
    return { queueMessageId: `q-${this.sent.length}` };
  }
}

const queue = new CheckingQueue();
const handler = createIngestHandler({
  config: { happycolisSecrets: [FUZZ_SECRET], webhookTokens: [BEARER] },
  queue,
  clock: () => new Date('2024-06-12T00:00:00.000Z'),
});

const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) => {
  const isBytes = typeof body !== 'string';
  return handler(
    httpEvent('POST', path, {
      body: isBytes ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: isBytes,
      headers,
    }),
  );
};

const withoutToken = (message: QueueMessage): unknown => {
  if (message.kind !== 'webhook') return message;
  const webhook = structuredClone(message.webhook) as { body?: Record<string, unknown> };
  if (webhook.body) delete webhook.body.accessToken;
  return { ...message, webhook };
};

const AnswerSchema = v.union([
  v.object({ status: v.literal('accepted') }),
  v.object({
    status: v.literal('quarantined'),
    errors: v.pipe(
      v.array(v.object({ path: v.string(), message: v.pipe(v.string(), v.nonEmpty()) })),
      v.minLength(1),
      v.maxLength(QUARANTINE_MAX_ERRORS),
    ),
  }),
]);

/** Checks one answer and what it queued against every promise of the edge. */
const check = async (
  answer: Awaited<ReturnType<typeof handler>>,
  authentic: boolean,
  before: number,
) => {
  const status = answer.statusCode ?? 0;
  expect([200, 401, 413]).toContain(status);
  for (const secret of SECRETS) expect(answer.body ?? '').not.toContain(secret);
  // A signed payload is never refused for its content: only a size over the limit is.
  if (authentic) expect(status).not.toBe(401);
  if (status !== 200) {
    expect(queue.sent.length).toBe(before);
    return;
  }
  expect(authentic).toBe(true);
  expect(queue.sent.length).toBe(before + 1);
  v.parse(AnswerSchema, JSON.parse(answer.body ?? ''));
  const sent = queue.sent.at(-1);
  if (!sent) throw new Error('nothing queued');
  // What the processor reads back is exactly what was sent.
  const received = v.parse(QueueMessageSchema, JSON.parse(sent.body));
  expect(received).toEqual(sent.message);
  for (const secret of SECRETS)
    expect(JSON.stringify(withoutToken(received))).not.toContain(secret);
  if (received.kind === 'webhook') {
    const parsed = validateWebhook(received.webhook);
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(storageProblems(parsed.value)).toEqual([]);
  }
  if (received.kind === 'quarantine') {
    const payload = Buffer.from(received.payloadBase64, 'base64').toString('utf8');
    expect(utf8Bytes(payload)).toBeLessThanOrEqual(QUARANTINE_PAYLOAD_MAX_BYTES);
    const item = {
      ...quarantineKey('0'.repeat(64)),
      source: received.source,
      receivedAt: received.receivedAt,
      errors: received.errors,
      payload,
      ...(received.payload ? { payloadTruncated: received.payload } : {}),
      recordedAt: received.receivedAt,
      expiresAt: 0,
    };
    expect(dynamoItemBytes(item)).toBeLessThan(DYNAMODB_ITEM_MAX_BYTES);
  }
};

describe('ingest fuzzing', () => {
  it('answers 200, 401 or 413 to any webhook, queueing only what is signed, storable and token-free', async () => {
    await fc.assert(
      fc.asyncProperty(
        envelope,
        fc.boolean(),
        mutation,
        signing,
        async (source, pretty, m, how) => {
          const body = mutate(source, pretty, m);
          const before = queue.sent.length;
          const answer = await post('/webhooks/happycolis', body, signatureFor(how, body));
          const tooLarge = utf8Bytes(body) > MAX_BODY_BYTES;
          if (tooLarge) expect(answer.statusCode).toBe(413);
          await check(answer, how === 'raw' || how === 'canonical', before);
        },
      ),
      { numRuns: 7000 },
    );
  }, 300_000);

  it('accepts or quarantines valid and nearly valid events, never losing one', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyValid, fc.boolean(), async (source, pretty) => {
        const body = mutate(source, pretty, { kind: 'none' });
        const before = queue.sent.length;
        const answer = await post('/webhooks/happycolis', body, signatureFor('raw', body));
        await check(answer, true, before);
      }),
      { numRuns: 1500 },
    );
  }, 300_000);

  it('answers any bytes or JSON value the same way', async () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
      fc.string({ maxLength: 200, unit: 'binary' }),
    );
    await fc.assert(
      fc.asyncProperty(payload, signing, async (body, how) => {
        const before = queue.sent.length;
        const answer = await post('/webhooks/happycolis', body, signatureFor(how, body));
        await check(answer, how === 'raw' || how === 'canonical', before);
      }),
      { numRuns: 2500 },
    );
  }, 300_000);

  it('answers any delivery-error notice with 200 or 401, never a 5xx', async () => {
    const notice = fc.record({
      code: fc.oneof(fc.integer(), text, fc.jsonValue({ maxDepth: 1 })),
      endpoint: maybe(text),
      message: maybe(fc.oneof(text, repeat('😀', 1, 5000))),
      accessToken: token,
    });
    await fc.assert(
      fc.asyncProperty(notice, fc.boolean(), async (value, authorized) => {
        const body = JSON.stringify(withoutAbsent(value));
        const before = queue.sent.length;
        const answer = await post(
          '/webhooks/delivery-errors',
          body,
          authorized ? { authorization: `Bearer ${BEARER}` } : {},
        );
        if (answer.statusCode === 200) {
          const sent = queue.sent.at(-1)?.message;
          // A notice has no token field: only a quarantined one keeps the payload, redacted.
          if (sent?.kind === 'quarantine') {
            const payload = Buffer.from(sent.payloadBase64, 'base64').toString('utf8');
            for (const secret of SECRETS) expect(payload).not.toContain(secret);
          }
        }
        expect([200, 401]).toContain(answer.statusCode);
        expect(queue.sent.length).toBe(authorized ? before + 1 : before);
      }),
      { numRuns: 1000 },
    );
  }, 300_000);
});
