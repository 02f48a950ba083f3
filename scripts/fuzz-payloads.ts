import fc from 'fast-check';
import { EVENT_TYPES, INTEGRATION_STATES } from '../functions/core/events.ts';
import { utf8Bytes } from '../functions/core/limits.ts';
import { canonicalPayload, SIGNATURE_HEADER, sign } from '../functions/core/signature.ts';
import { MAX_BODY_BYTES } from '../functions/definitions/resources.ts';

/**
 * Payloads a buggy or unusual sender could produce, for the ingest's fuzz test and the
 * `npm run fuzz` campaign: envelopes whose every field may be missing, of another type, empty,
 * padded, full of unusual characters or sized around a limit; dates of every shape; tokens of
 * every JSON type; then mutations of the JSON text (cut, byte inserted or deleted, deep
 * nesting, padding to the body limit) and of its signature.
 */

export const FUZZ_SECRET = 'fuzz-secret';
export const FUZZ_TOKEN = 'tok_FUZZ_7f3c9a1e5b';
export const FUZZ_TOKEN_NUMBER = 7_391_827_364_519;
/** How the token may appear in text: as a string, or as the digits of a number. */
export const FUZZ_SECRETS = [FUZZ_TOKEN, String(FUZZ_TOKEN_NUMBER)];

export const ABSENT = Symbol('absent');
export const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 8, arbitrary },
    { weight: 1, arbitrary: fc.constant(ABSENT) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
export const repeat = (unit: string, min: number, max: number) =>
  fc.integer({ min, max }).map((n) => unit.repeat(n));

export const text = fc.oneof(
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
export const token = fc.constantFrom<unknown>(
  FUZZ_TOKEN,
  null,
  FUZZ_TOKEN_NUMBER,
  { secret: FUZZ_TOKEN },
  [FUZZ_TOKEN],
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

export const withoutAbsent = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ABSENT));

export const envelope = fc
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

/** Ids a careful sender could send: never empty, sometimes odd, sometimes near the key limit. */
const plausibleId = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('r9s0t1u2-v3w4-5678-xyza-901234567890', 'ws-7', ' ws-7 '),
  },
  {
    weight: 4,
    arbitrary: fc.string({ minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== ''),
  },
  { weight: 2, arbitrary: fc.constantFrom('Entrepôt 📦 Lyon', 'a\uffffb', '\ufffe', 'x\u0000y') },
  { weight: 1, arbitrary: repeat('😀', 506, 512) },
  { weight: 1, arbitrary: repeat('€', 676, 682) },
);

/**
 * Envelopes that are valid or nearly so, so the accepted path (processor, DynamoDB, alerts)
 * sees odd but storable events: unusual characters, ids and scopes near the limits, dates of
 * every accepted shape (and a few rejected ones).
 */
export const nearlyValid = fc.record({
  header: fc.record({
    organizationId: plausibleId,
    messageId: plausibleId,
    webhookId: plausibleId,
    type: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...Object.values(EVENT_TYPES)) },
      { weight: 1, arbitrary: fc.constantFrom('location/fulfillment_service_integration/paused') },
    ),
    date: date,
  }),
  body: fc.record({
    id: plausibleId,
    locationId: fc.oneof(plausibleId, repeat('L', 20_000, 31_000)),
    fulfillmentServiceId: plausibleId,
    accessToken: fc.constantFrom<string | null>(FUZZ_TOKEN, null),
    scopes: fc.oneof(
      { weight: 6, arbitrary: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 560, max: 700 })
          .map((n) => Array.from({ length: n }, (_, i) => `scope-${i}-${'s'.repeat(100)}`)),
      },
    ),
    state: fc.constantFrom(...INTEGRATION_STATES, null),
  }),
});

export type Mutation =
  | { readonly kind: 'none' | 'deep' }
  | { readonly kind: 'cut' | 'delete'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly junk: string }
  | { readonly kind: 'pad'; readonly delta: number; readonly unit: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
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
export const mutate = (source: Record<string, unknown>, pretty: boolean, m: Mutation): string => {
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

export type Signing = 'raw' | 'canonical' | 'wrong' | 'missing';
export const signing = fc.constantFrom<Signing>(
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

/**
 * What a sender signing the documented form signs: `JSON.stringify({header, body})` of the
 * body it sends (after UTF-8 encoding, which turns a lone surrogate into U+FFFD), as the
 * ingest computes it; `undefined` when there is no such form.
 */
export const canonical = (body: string | Uint8Array): string | undefined => {
  try {
    const sent = Buffer.from(typeof body === 'string' ? Buffer.from(body) : body).toString();
    return canonicalPayload(JSON.parse(sent));
  } catch {
    return undefined;
  }
};

/** The signature headers for a body: right (over the bytes or the documented form), wrong or none. */
export const signatureFor = (how: Signing, body: Uint8Array | string): Record<string, string> => {
  switch (how) {
    case 'raw':
      return { [SIGNATURE_HEADER]: sign(FUZZ_SECRET, body) };
    case 'canonical': {
      const form = canonical(body);
      return { [SIGNATURE_HEADER]: sign(FUZZ_SECRET, form ?? body) };
    }
    case 'wrong':
      return { [SIGNATURE_HEADER]: sign('not-the-secret', body) };
    case 'missing':
      return {};
  }
};
