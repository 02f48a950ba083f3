import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snsMessageOf } from '../../functions/alerting/channels/email.ts';
import { slackAlertMessage } from '../../functions/alerting/channels/slack.ts';
import { boundAlert, COMPACT_ALERT_BOUNDS } from '../../functions/alerting/domain/bounds.ts';
import { integrationErroredAlert } from '../../functions/alerting/domain/content.ts';
import { groupMessageOf } from '../../functions/alerting/domain/group-message.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { storageProblems } from '../../functions/core/capacity.ts';
import { parseEventDate } from '../../functions/core/event-date.ts';
import { parseWebhook, redactAccessTokens } from '../../functions/core/events.ts';
import * as limits from '../../functions/core/limits.ts';
import {
  ALERT_INCIDENT_KEY_MAX_BYTES,
  asciiJson,
  SNS_MESSAGE_MAX_BYTES,
  utf8Bytes,
} from '../../functions/core/limits.ts';
import { integrationView } from '../../functions/core/view.ts';
import { historyKey, INTEGRATION_PK_PREFIX } from '../../functions/definitions/table-keys.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';

/** What the SNS publisher sends for a message of one alert. */
const snsBodyOf = (alert: Alert): string =>
  snsMessageOf(groupMessageOf({ groupKey: 'edge|group', seq: 1, alerts: [alert] })).message;

const withHeader = (patch: Record<string, unknown>, bodyPatch: Record<string, unknown> = {}) => {
  const event = envelope(lifecycleEvent('accepted'));
  return JSON.stringify({
    header: { ...event.header, ...patch },
    body: { ...event.body, ...bodyPatch },
  });
};

describe('event dates', () => {
  it.each([
    ['2024-06-10T09:00:00Z', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10T11:00:00+02', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10T11:00:00+0200', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10T07:30:00-01:30', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10t09:00:00z', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10 09:00:00Z', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10T09:00Z', '2024-06-10T09:00:00.000Z'],
    ['2024-06-10T09:00:00,5Z', '2024-06-10T09:00:00.500Z'],
    ['2024-06-10T09:00:00.123999999Z', '2024-06-10T09:00:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2024-06-10T24:00:00Z', '2024-06-11T00:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0000-12-31T23:30:00-01:00', '0001-01-01T00:30:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('accepts %s as %s', (text, iso) => {
    expect(parseEventDate(text)).toEqual({ success: true, iso });
  });

  it.each([
    ['2024-02-30T09:00:00Z', /calendar date/],
    ['2023-02-29T09:00:00Z', /calendar date/],
    ['2024-13-01T09:00:00Z', /month/],
    ['2024-06-10T09:00:00 +02:00', /ISO 8601/],
    ['2024-06-10T09:00:00', /ISO 8601/],
    ['2024-06-10T25:00:00Z', /hours/],
    ['2024-06-10T24:00:01Z', /hours/],
    ['2024-06-10T09:00:00+02:60', /offset/],
    ['0000-06-10T09:00:00Z', /0001 to 9999/],
    ['0001-01-01T00:30:00+01:00', /0001 to 9999/],
    ['9999-12-31T23:30:00-01:00', /0001 to 9999/],
    ['+002024-06-10T09:00:00Z', /ISO 8601/],
  ])('rejects %s with a readable rule', (text, rule) => {
    const parsed = parseEventDate(text);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.rule).toMatch(rule);
  });

  it('keeps the ordering key at its fixed width for every accepted date', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offset) => {
          const local = new Date(date.getTime() + offset * 60_000).toISOString();
          if (local.length !== 24) return;
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const text = `${local.slice(0, 23)}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const parsed = parseEventDate(text);
          expect(parsed).toEqual({ success: true, iso: date.toISOString() });
          if (parsed.success) expect(parsed.iso).toHaveLength(24);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('ids', () => {
  it('keeps ids byte for byte: surrounding spaces make another integration', () => {
    const parsed = parseWebhook(withHeader({}, { id: ' ws-7 ' }));
    expect(parsed.success && parsed.value.event.body.id).toBe(' ws-7 ');
  });

  it.each([
    ['empty', ''],
    ['whitespace-only', ' \t\n'],
    ['a lone surrogate', 'ws-\ud800'],
  ])('rejects a %s id', (_name, id) => {
    const parsed = parseWebhook(withHeader({}, { id }));
    expect(!parsed.success && parsed.errors.map((error) => error.path)).toEqual(['body.id']);
  });

  it('quarantines an id whose partition key would exceed 2,048 bytes, counted in UTF-8', () => {
    // 700 characters, 2,100 bytes: under the limit counted in characters, over it in bytes.
    const parsed = parseWebhook(withHeader({}, { id: '€'.repeat(700) }));
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(storageProblems(parsed.value)).toEqual([
      { path: 'body.id', message: expect.stringMatching(/2100 UTF-8 bytes.*partition key/) },
    ]);
  });

  it('quarantines an unknown type whose history sort key would exceed 1,024 bytes', () => {
    const parsed = parseWebhook(withHeader({ type: `x/${'é'.repeat(500)}` }));
    expect(parsed.success && parsed.value.kind).toBe('unknown');
    if (!parsed.success) return;
    expect(storageProblems(parsed.value).map((problem) => problem.path)).toEqual(['header.type']);
  });

  it('quarantines an event too large for its share of the integration item', () => {
    const scopes = Array.from({ length: 800 }, (_, i) => `scope-${i}-${'s'.repeat(80)}`);
    const parsed = parseWebhook(withHeader({}, { scopes }));
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(storageProblems(parsed.value)[0]?.message).toMatch(/integration item/);
  });
});

describe('validation errors', () => {
  it.each([
    ['a number', 739_182_736_451],
    ['an object', { value: 'tok_OBJECT_SECRET' }],
    ['an array', ['tok_ARRAY_SECRET']],
    ['a boolean', true],
  ])('never quote the received value, even when the token is %s', (_name, accessToken) => {
    const parsed = parseWebhook(withHeader({}, { accessToken }));
    expect(parsed.success).toBe(false);
    const text = JSON.stringify(parsed);
    expect(text).not.toMatch(/739182736451|SECRET|Received/);
    expect(!parsed.success && parsed.errors[0]?.path).toBe('body.accessToken');
  });

  it('name the position of a JSON syntax error without quoting the text around it', () => {
    const parsed = parseWebhook('{"accessToken": tok_BROKEN_SECRET}');
    expect(JSON.stringify(parsed)).not.toContain('SECRET');
    expect(!parsed.success && parsed.errors[0]?.message).toMatch(/^invalid JSON/);
  });

  it('refuse JSON nested deeper than the limit without exhausting the stack', () => {
    const deep = `{"header":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const parsed = parseWebhook(deep);
    expect(!parsed.success && parsed.errors[0]?.message).toMatch(/nests deeper than 64/);
  });
});

const TOKEN = 'tok_PROPERTY_SECRET_4f9a';

/** Any JSON value, holding the token somewhere inside when it is not a scalar. */
const tokenValue = fc.oneof(
  fc.constant(TOKEN),
  fc.constant(7_391_827_364_519),
  fc.constant(true),
  fc.record({ nested: fc.constant(TOKEN), more: fc.jsonValue({ maxDepth: 2 }) }),
  fc.array(fc.constant(TOKEN), { minLength: 1, maxLength: 3 }),
);
const secretOf = (value: unknown) =>
  typeof value === 'number' ? String(value) : typeof value === 'boolean' ? undefined : TOKEN;

describe('redactAccessTokens', () => {
  it('removes an accessToken of any JSON type, at any depth, from valid JSON', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        tokenValue,
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        (around, token, depth, pretty) => {
          let value: unknown = { before: around, accessToken: token, after: around };
          for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { inner: value };
          const text = JSON.stringify(value, null, pretty ? 2 : undefined);
          const redacted = redactAccessTokens(text);
          const secret = secretOf(token);
          if (secret) expect(redacted).not.toContain(secret);
          expect(() => JSON.parse(redacted)).not.toThrow();
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('removes the token however the JSON around it is broken', () => {
    fc.assert(
      fc.property(
        tokenValue,
        fc.boolean(),
        fc.nat(),
        fc.string({ maxLength: 8, unit: 'binary' }),
        fc.constantFrom('cut', 'insert', 'delete'),
        (token, pretty, at, junk, how) => {
          const text = JSON.stringify(
            { header: { type: 'x' }, body: { id: 'a', accessToken: token, scopes: ['s'] } },
            null,
            pretty ? 2 : undefined,
          );
          const keyAt = text.indexOf('"accessToken"');
          const keyEnd = keyAt + '"accessToken"'.length;
          // Mutate anywhere but inside the key itself: a renamed field is not a token field.
          let position = at % (text.length + 1);
          if (position > keyAt && position < keyEnd) position = keyEnd;
          const broken =
            how === 'cut'
              ? text.slice(0, position)
              : how === 'insert'
                ? text.slice(0, position) + junk + text.slice(position)
                : text.slice(0, position) + text.slice(position + 1);
          const secret = secretOf(token);
          if (!secret || !broken.includes(secret)) return;
          expect(redactAccessTokens(broken)).not.toContain(secret);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('leaves null tokens alone and keeps valid JSON valid', () => {
    expect(redactAccessTokens('{"accessToken":null}')).toBe('{"accessToken":null}');
    expect(redactAccessTokens('{"access\\u0054oken":{"a":[1,{"b":"x"}]}}')).toBe(
      '{"access\\u0054oken":"[redacted]"}',
    );
  });
});

describe('alert bounds', () => {
  const huge = (unit: string, count: number) => unit.repeat(count);

  const largestAlert = (unit: string): Alert => {
    const event = lifecycleEvent('errored');
    const big = huge(unit, 50_000);
    const errored = {
      ...event,
      header: { ...event.header, messageId: big, webhookId: big, organizationId: big },
      body: { ...event.body, id: big, locationId: big, fulfillmentServiceId: big },
    };
    const history = Array.from({ length: 40 }, (_, i) => ({
      type: big,
      date: `2024-06-10T09:00:${String(i % 60).padStart(2, '0')}.000Z`,
      messageId: big,
      webhookId: big,
      receivedAt: '2024-06-10T09:00:00.000Z',
      key: `2024-06-10T09:00:00.000Z#3#${i}`,
      state: 'ERROR' as const,
    }));
    const view = integrationView(big, undefined, history);
    if (!view) throw new Error('a view with history exists');
    const alert = integrationErroredAlert(errored, view);
    return {
      ...alert,
      facts: Array.from({ length: 100 }, () => ({ label: big, value: big })),
      actions: Array.from({ length: 100 }, () => big),
    };
  };

  it.each([
    ['ASCII', 'x'],
    ['quotes', '"'],
    ['accents', 'é'],
    ['emoji', '😀'],
    ['control characters', '\u0001'],
    ['non-characters', '\uffff'],
  ])('fit SNS whatever the alert quotes (%s)', (_name, unit) => {
    const raw = largestAlert(unit);
    const bounded = boundAlert(raw);
    const compact = boundAlert(raw, COMPACT_ALERT_BOUNDS);
    expect(utf8Bytes(snsBodyOf(compact))).toBeLessThan(SNS_MESSAGE_MAX_BYTES / 2);
    expect(utf8Bytes(bounded.incidentKey)).toBeLessThanOrEqual(ALERT_INCIDENT_KEY_MAX_BYTES);
    expect(JSON.stringify(bounded)).not.toContain('\\u0001');
    expect(JSON.stringify(bounded)).not.toContain('\uffff');
    if (unit === 'x') {
      expect(utf8Bytes(snsBodyOf(bounded))).toBeLessThan(SNS_MESSAGE_MAX_BYTES / 2);
    }
    expect(asciiJson(bounded)).toMatch(/^[\x20-\x7e]*$/);
    const slack = slackAlertMessage(raw);
    expect(slack.blocks?.length).toBeLessThanOrEqual(50);
    expect(slack.text?.length).toBeLessThanOrEqual(3000);
  });

  it('map the same incident to the same bounded key', () => {
    const raw = largestAlert('k');
    expect(boundAlert(raw).incidentKey).toBe(boundAlert(structuredClone(raw)).incidentKey);
    expect(boundAlert(raw).incidentKey).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('the limits table of docs/design.md', () => {
  it('quotes the figures the code enforces', async () => {
    const { readFile } = await import('node:fs/promises');
    const page = await readFile(new URL('../../docs/design.md', import.meta.url), 'utf8');
    const section = page.slice(page.indexOf('## Limits and what each case gets'));
    const figures = [
      limits.SQS_MESSAGE_MAX_BYTES,
      limits.DYNAMODB_ITEM_MAX_BYTES,
      limits.DYNAMODB_PARTITION_KEY_MAX_BYTES,
      limits.DYNAMODB_PARTITION_KEY_MAX_BYTES - INTEGRATION_PK_PREFIX.length,
      limits.DYNAMODB_SORT_KEY_MAX_BYTES,
      limits.DYNAMODB_SORT_KEY_MAX_BYTES - historyKey('', '2024-06-10T09:00:00.000Z#').sk.length,
      limits.EVENT_ITEM_SHARE_MAX_BYTES,
      limits.QUARANTINE_PAYLOAD_MAX_BYTES,
      limits.QUARANTINE_EXCERPT_BYTES,
      limits.QUARANTINE_MAX_ERRORS,
      limits.ERROR_TEXT_MAX_CHARS,
      limits.SNS_MESSAGE_MAX_BYTES,
      limits.ALERT_QUOTE_MAX_CHARS,
      limits.ALERT_TEXT_MAX_CHARS,
      limits.ALERT_INCIDENT_KEY_MAX_BYTES,
      limits.SLACK_MAX_BLOCKS,
      limits.SLACK_TEXT_MAX_CHARS,
      limits.JSON_MAX_DEPTH,
    ];
    for (const figure of figures) {
      expect(section, String(figure)).toContain(figure.toLocaleString('en-US'));
    }
  });
});

describe('alert subjects', () => {
  it('never end on half of a surrogate pair', async () => {
    const { alertSubject } = await import('../../functions/alerting/channels/email.ts');
    const event = lifecycleEvent('errored');
    for (let pad = 0; pad < 4; pad++) {
      const locationId = `${'x'.repeat(pad)}${'📦'.repeat(80)}`;
      const view = integrationView(event.body.id, undefined, []);
      const alert = integrationErroredAlert(
        { ...event, body: { ...event.body, locationId } },
        view ?? {
          id: event.body.id,
          organizationId: null,
          locationId: null,
          fulfillmentServiceId: null,
          state: null,
          scopes: [],
          hasAccessToken: false,
          lastEventAt: null,
          lastEventType: null,
          history: [],
        },
      );
      expect(() => encodeURIComponent(alertSubject(alert))).not.toThrow();
    }
  });
});
