import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalPayload,
  sign,
  verifyBearerToken,
  verifySignature,
} from '../../functions/core/signature.ts';

const body = '{"header":{"type":"x"},  "body":{"id":"1"}}';

describe('verifySignature', () => {
  it('accepts base64 HMAC-SHA256 of the raw bytes', () => {
    const signature = createHmac('sha256', 'secret').update(body).digest('base64');
    expect(verifySignature(signature, [Buffer.from(body)], ['secret'])).toBe(true);
  });

  it('accepts any of several secrets during rotation', () => {
    expect(verifySignature(sign('new', body), [body], ['old', 'new'])).toBe(true);
  });

  it('accepts the documented JSON.stringify({header, body}) form', () => {
    const canonical = canonicalPayload(JSON.parse(body));
    expect(canonical).toBe('{"header":{"type":"x"},"body":{"id":"1"}}');
    expect(verifySignature(sign('secret', canonical ?? ''), [body], ['secret'])).toBe(false);
    expect(
      verifySignature(sign('secret', canonical ?? ''), [body, canonical ?? ''], ['secret']),
    ).toBe(true);
  });

  it.each([
    ['a wrong secret', sign('other', body)],
    ['a truncated signature', sign('secret', body).slice(0, 20)],
    ['not base64', '!!!!'],
    ['empty', ''],
  ])('rejects %s', (_name, signature) => {
    expect(verifySignature(signature, [body], ['secret'])).toBe(false);
  });

  it('fails closed without a signature or without secrets', () => {
    expect(verifySignature(undefined, [body], ['secret'])).toBe(false);
    expect(verifySignature(sign('secret', body), [body], [])).toBe(false);
  });
});

describe('verifyBearerToken', () => {
  it('accepts a configured token, case-insensitive scheme', () => {
    expect(verifyBearerToken('Bearer t1', ['t0', 't1'])).toBe(true);
    expect(verifyBearerToken('bearer t1', ['t1'])).toBe(true);
  });

  it.each([undefined, 'Bearer', 'Basic t1', 'Bearer t2', 'Bearer t1 extra'])(
    'rejects %j',
    (header) => {
      expect(verifyBearerToken(header, ['t1'])).toBe(false);
    },
  );

  it('fails closed when no token is configured', () => {
    expect(verifyBearerToken('Bearer anything', [])).toBe(false);
  });
});
