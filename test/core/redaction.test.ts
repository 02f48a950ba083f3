import { describe, expect, it } from 'vitest';
import { quarantinePayload } from '../../functions/core/quarantine.ts';
import { isCredentialKey, redactCredentials } from '../../functions/core/redaction.ts';

/** Every credential-looking key loses its value in what is kept, in any case or spelling. */

const KEYS = [
  'accessToken',
  'access_token',
  'ACCESS-TOKEN',
  'refreshToken',
  'refresh_token',
  'id_token',
  'clientSecret',
  'client_secret',
  'password',
  'Passwd',
  'authorization',
  'Authorization',
  'apiKey',
  'x-api-key',
  'private_key',
  'credentials',
  'Cookie',
  'webhookTokens',
];

const decoded = (text: string) => JSON.parse(Buffer.from(text, 'base64').toString('utf8'));

describe('credential redaction', () => {
  it.each(KEYS)('redacts the value of %s wherever it nests', (key) => {
    const text = JSON.stringify({
      header: { a: 1 },
      body: { nested: [{ [key]: 'SECRET-VALUE' }] },
    });
    const redacted = redactCredentials(text);
    expect(redacted).not.toContain('SECRET-VALUE');
    expect(JSON.parse(redacted).body.nested[0][key]).toBe('[redacted]');
  });

  it.each(KEYS)('redacts what follows %s in text that is not JSON', (key) => {
    expect(redactCredentials(`{"body": {"${key}": "SECRET-VALUE", `)).not.toContain('SECRET-VALUE');
  });

  it('leaves ordinary keys alone', () => {
    for (const key of [
      'id',
      'webhookId',
      'messageId',
      'scopes',
      'state',
      'tokenType',
      'locationId',
    ]) {
      expect(isCredentialKey(key)).toBe(false);
    }
    const text = JSON.stringify({ header: { messageId: 'm' }, body: { id: 'i', scopes: ['x'] } });
    expect(redactCredentials(text)).toBe(text);
  });

  it('keeps no credential in a quarantine payload', () => {
    const text = JSON.stringify({
      body: { refreshToken: 'R-1', clientSecret: 'C-1', password: 'P-1' },
    });
    const kept = decoded(quarantinePayload(text).payloadBase64);
    expect(kept.body).toEqual({
      refreshToken: '[redacted]',
      clientSecret: '[redacted]',
      password: '[redacted]',
    });
  });
});
