import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { storageProblems } from '../../functions/core/capacity.ts';
import { EVENT_TYPES, INTEGRATION_STATES, validateWebhook } from '../../functions/core/events.ts';
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
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { createIngestHandler } from '../../functions/ingest/ingest.ts';
import { MAX_BODY_BYTES } from '../../lib/definitions.ts';
import { httpEvent } from '../support/http-events.ts';

/**
 * Property-based fuzzing of the ingest: any input, signed or not, gets 200, 401 or 413,
 * never a 5xx; only signed input is queued; what is queued fits SQS (and the local emulator),
 * can be stored by the processor, and never carries the token outside the one field the
 * processor needs (`webhook.body.accessToken` of an accepted event).
 */

const SECRET = 'fuzz-secret';
const BEARER = 'fuzz-bearer';
const TOKEN = 'tok_FUZZ_7f3c9a1e5b';
const TOKEN_NUMBER = 7_391_827_364_519;
const SECRETS = [TOKEN, String(TOKEN_NUMBER)];

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
  config: { happycolisSecrets: [SECRET], webhookTokens: [BEARER] },
  queue,
  clock: () => new Date('2024-06-12T00:00:00.000Z'),
});

const ABSENT = Symbol('absent');
const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 8, arbitrary },
    { weight: 1, arbitrary: fc.constant(ABSENT) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
const repeat = (unit: string, min: number, max: number) =>
  fc.integer({ min, max }).map((n) => unit.repeat(n));

const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.string({ maxLength: 10, unit: 'grapheme' }),
  fc.constantFrom(
    '',
    ' ',
    ' ws-7 ',
    'ws-7',
    '\u0000',
    'a\uffffb',
    '\ufffe',
    'ws-\ud800',
    '📦 Lyon',
  ),
);
const id = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('r9s0t1u2-v3w4-5678-xyza-901234567890', 'ws-7') },
  { weight: 4, arbitrary: text },
  // Around the partition-key budget (2,036 bytes after `INTEGRATION#`), in 1-, 3- and 4-byte units.
  { weight: 1, arbitrary: repeat('i', 2030, 2042) },
  { weight: 1, arbitrary: repeat('€', 676, 682) },
  { weight: 1, arbitrary: repeat('😀', 506, 512) },
);
const digits = (value: number, width: number) => String(value).padStart(width, '0');
const date = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .record({
      year: fc.integer({ min: 0, max: 10_000 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 61 }),
      fraction: fc.constantFrom('', '.5', ',25', '.123456789', '.'),
      separator: fc.constantFrom('T', 't', ' '),
      offset: fc.constantFrom(
        'Z',
        'z',
        '+02',
        '-0130',
        '+05:45',
        ' +02:00',
        '',
        '+24:00',
        '-00:00',
      ),
    })
    .map(
      (p) =>
        `${digits(p.year, 4)}-${digits(p.month, 2)}-${digits(p.day, 2)}${p.separator}` +
        `${digits(p.hour, 2)}:${digits(p.minute, 2)}:${digits(p.second, 2)}${p.fraction}${p.offset}`,
    ),
  text,
);
const type = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.values(EVENT_TYPES)) },
  { weight: 2, arbitrary: text },
  // Around the history sort-key budget (1,024 bytes with `EVENT#<date>#`).
  { weight: 1, arbitrary: repeat('t', 988, 996) },
);
const token = fc.constantFrom<unknown>(
  TOKEN,
  null,
  TOKEN_NUMBER,
  { secret: TOKEN },
  [TOKEN],
  true,
  ABSENT,
);
const scopes = fc.oneof(
  { weight: 6, arbitrary: fc.array(text, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }) },
  // Around one event's share of the integration item (65,536 bytes).
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 560, max: 700 })
      .map((n) => Array.from({ length: n }, (_, i) => `scope-${i}-${'s'.repeat(100)}`)),
  },
  // Many invalid elements: one error each, which must stay bounded.
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30_000 }).map((n) => Array(n).fill(1)) },
);
const state = fc.constantFrom<unknown>(...INTEGRATION_STATES, null, 'SUSPENDED', ABSENT);

const withoutAbsent = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ABSENT));

const envelope = fc
  .record({
    header: fc.record({
      organizationId: maybe(id),
      messageId: maybe(id),
      webhookId: maybe(id),
      type: maybe(type),
      date: maybe(date),
    }),
    body: fc.record({
      id: maybe(id),
      locationId: maybe(id),
      fulfillmentServiceId: maybe(id),
      accessToken: token,
      scopes: maybe(scopes),
      state,
    }),
  })
  .map(({ header, body }) => ({ header: withoutAbsent(header), body: withoutAbsent(body) }));

type Mutation =
  | { readonly kind: 'none' | 'deep' }
  | { readonly kind: 'cut' | 'delete'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly junk: string }
  | { readonly kind: 'pad'; readonly delta: number; readonly unit: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      junk: fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'deep' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('pad' as const),
      delta: fc.integer({ min: -48, max: 48 }),
      unit: fc.constantFrom('x', 'é', '😀', '\\u0001'),
    }),
  },
);

const KEY = '"accessToken"';

/** Applies a mutation anywhere but inside the token's key: a renamed field holds no token. */
const mutate = (source: Record<string, unknown>, pretty: boolean, m: Mutation): string => {
  const text = JSON.stringify(source, null, pretty ? 2 : undefined);
  const keyAt = text.indexOf(KEY);
  const outsideKey = (at: number) => {
    const position = at % (text.length + 1);
    return keyAt >= 0 && position > keyAt && position < keyAt + KEY.length
      ? keyAt + KEY.length
      : position;
  };
  switch (m.kind) {
    case 'none':
      return text;
    case 'cut':
      return text.slice(0, outsideKey(m.at));
    case 'delete': {
      const at = outsideKey(m.at);
      return text.slice(0, at) + text.slice(at + 1);
    }
    case 'insert': {
      const at = outsideKey(m.at);
      return text.slice(0, at) + m.junk + text.slice(at);
    }
    case 'deep':
      return JSON.stringify({ ...source, nested: 0 }).replace(
        '"nested":0',
        `"nested":${'['.repeat(5000)}${']'.repeat(5000)}`,
      );
    case 'pad': {
      const unitBytes = m.unit.startsWith('\\') ? m.unit.length : utf8Bytes(m.unit);
      const room = MAX_BODY_BYTES - utf8Bytes(text) - ',"padding":""'.length + m.delta;
      const padding = m.unit.repeat(Math.max(0, Math.floor(room / unitBytes)));
      return `${text.slice(0, -1)},"padding":"${padding}"}`;
    }
  }
};

type Signing = 'raw' | 'canonical' | 'wrong' | 'missing';
const signing = fc.constantFrom<Signing>(
  'raw',
  'raw',
  'raw',
  'raw',
  'raw',
  'raw',
  'canonical',
  'wrong',
  'missing',
);

const canonical = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body);
    return JSON.stringify({ header: parsed?.header, body: parsed?.body });
  } catch {
    return undefined;
  }
};

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

const signatureFor = (how: Signing, body: Uint8Array | string): Record<string, string> => {
  switch (how) {
    case 'raw':
      return { [SIGNATURE_HEADER]: sign(SECRET, body) };
    case 'canonical': {
      const form = canonical(typeof body === 'string' ? body : Buffer.from(body).toString());
      return { [SIGNATURE_HEADER]: sign(SECRET, form ?? body) };
    }
    case 'wrong':
      return { [SIGNATURE_HEADER]: sign('not-the-secret', body) };
    case 'missing':
      return {};
  }
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
      pk: `QUARANTINE#${'0'.repeat(64)}`,
      sk: 'QUARANTINE',
      source: received.source,
      receivedAt: received.receivedAt,
      errors: received.errors,
      payload,
      ...(received.payload ? { payloadTruncated: received.payload } : {}),
      alert: 'owed',
      recordedAt: received.receivedAt,
      expiresAt: 0,
      alertSentAt: received.receivedAt,
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
