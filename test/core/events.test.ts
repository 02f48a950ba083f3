import { describe, expect, it } from 'vitest';
import {
  parseDeliveryErrorNotice,
  parseWebhook,
  redactAccessTokens,
} from '../../functions/core/events.ts';
import { seedSample } from '../support/seeds.ts';

describe('parseWebhook', () => {
  it.each(['created', 'rejected', 'errored'] as const)(
    'accepts the documented %s sample exactly as printed',
    (step) => {
      const parsed = parseWebhook(seedSample(step));
      expect(parsed.success).toBe(true);
      if (parsed.success && parsed.value.kind === 'lifecycle') {
        expect(parsed.value.event.step).toBe(step);
        expect(parsed.value.event.body.id).toBe('r9s0t1u2-v3w4-5678-xyza-901234567890');
      } else {
        expect.unreachable('the sample is a lifecycle event');
      }
    },
  );

  it('normalises the date to UTC milliseconds', () => {
    const sample = JSON.parse(seedSample('created'));
    sample.header.date = '2024-06-10T11:00:00+02:00';
    const parsed = parseWebhook(JSON.stringify(sample));
    expect(parsed.success && parsed.value.event.header.date).toBe('2024-06-10T09:00:00.000Z');
  });

  it('treats a missing accessToken and state as null', () => {
    const sample = JSON.parse(seedSample('created'));
    delete sample.body.accessToken;
    delete sample.body.state;
    const parsed = parseWebhook(JSON.stringify(sample));
    expect(
      parsed.success && parsed.value.kind === 'lifecycle' && parsed.value.event.body,
    ).toMatchObject({
      accessToken: null,
      state: null,
    });
  });

  it('reports invalid JSON with a readable message', () => {
    const parsed = parseWebhook('{"header":');
    expect(parsed.success).toBe(false);
    expect(!parsed.success && parsed.errors[0]?.message).toMatch(/^invalid JSON/);
  });

  it('reports schema errors with their paths', () => {
    const sample = JSON.parse(seedSample('errored'));
    sample.header.date = 'yesterday';
    const broken = parseWebhook(JSON.stringify(sample));
    expect(!broken.success && broken.errors).toEqual([
      { path: 'header.date', message: 'must be an ISO 8601 timestamp with a time zone' },
    ]);
    delete sample.header.date;
    sample.header.date = '2024-06-11T14:00:00.000Z';
    sample.body.scopes = 'all';
    sample.body.id = '';
    const twice = parseWebhook(JSON.stringify(sample));
    expect(!twice.success && twice.errors.map((error) => error.path).sort()).toEqual([
      'body.id',
      'body.scopes',
    ]);
  });

  it('recognises an unknown event type without applying it', () => {
    const sample = JSON.parse(seedSample('created'));
    sample.header.type = 'location/fulfillment_service_integration/paused';
    const parsed = parseWebhook(JSON.stringify(sample));
    expect(parsed.success && parsed.value.kind).toBe('unknown');
  });

  it('rejects an unknown state value for a known type', () => {
    const sample = JSON.parse(seedSample('rejected'));
    sample.body.state = 'SUSPENDED';
    const parsed = parseWebhook(JSON.stringify(sample));
    expect(!parsed.success && parsed.errors[0]?.path).toBe('body.state');
  });
});

describe('parseDeliveryErrorNotice', () => {
  it.each([
    [500, '500'],
    ['503', '503'],
    ['timeout', 'timeout'],
  ])('accepts code %j and keeps it as the string %j', (code, expected) => {
    const parsed = parseDeliveryErrorNotice(
      JSON.stringify({ code, endpoint: 'https://example.test/hook', message: 'boom' }),
    );
    expect(parsed.success && parsed.value.code).toBe(expected);
  });

  it('names each missing field', () => {
    const parsed = parseDeliveryErrorNotice(JSON.stringify({ code: null }));
    expect(!parsed.success && parsed.errors.map((error) => error.path).sort()).toEqual([
      'code',
      'endpoint',
      'message',
    ]);
  });
});

describe('redactAccessTokens', () => {
  it('removes token values from valid and broken JSON alike', () => {
    const text = '{"body":{"accessToken":"tok_\\"SECRET","x":1}, "accessToken" : "tok_2", "broken';
    const redacted = redactAccessTokens(text);
    expect(redacted).not.toContain('SECRET');
    expect(redacted).not.toContain('tok_2');
    expect(redacted).toContain('"accessToken":"[redacted]"');
  });

  it('leaves null tokens alone', () => {
    expect(redactAccessTokens('{"accessToken":null}')).toBe('{"accessToken":null}');
  });
});
