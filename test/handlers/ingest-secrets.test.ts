import { describe, expect, it } from 'vitest';
import { createCredentialSource, SECRET_RETRY_AFTER_FAILURE_MS } from '../../functions/config.ts';
import { checkCredentials, WEBHOOK_TOKEN_MIN_BYTES } from '../../functions/core/credentials.ts';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { DEFAULT_SECRET_MAX_AGE_SECONDS } from '../../functions/definitions/settings.ts';
import { createIngestHandler } from '../../functions/ingest/ingest.ts';
import { httpEvent } from '../support/http-events.ts';
import { InMemoryEventQueue } from '../twins/index.ts';

/**
 * Credentials can be revoked and rotated without a redeploy: the stage secret is re-read at
 * most every few minutes, a failed read keeps the last good values, and each field is checked
 * on its own, so a broken one costs only its own route.
 */

const SECRET_ID = 'fulfillment-webhooks/test/secrets';
const HMAC = 'happycolis-client-secret';
const TOKEN = 'a-strong-bearer-token-0123456789';
const OTHER_TOKEN = 'another-strong-bearer-token-9876';
const BODY = JSON.stringify({
  header: {
    organizationId: 'o',
    messageId: 'm',
    webhookId: 'w',
    type: 'location/fulfillment_service_integration/created',
    date: '2024-06-10T09:00:00.000Z',
  },
  body: { id: 'i', locationId: 'l', fulfillmentServiceId: 'f', scopes: [], state: 'PENDING' },
});

/** A stage secret that an operator edits, and that can become unreachable. */
const stageSecret = (initial: Record<string, unknown>) => {
  const state = { value: JSON.stringify(initial) as string, reachable: true, reads: 0 };
  return {
    state,
    set: (value: Record<string, unknown> | string) => {
      state.value = typeof value === 'string' ? value : JSON.stringify(value);
    },
    read: async () => {
      state.reads++;
      if (!state.reachable) throw Object.assign(new Error('unreachable'), { name: 'TimeoutError' });
      return state.value;
    },
  };
};

const setup = (initial: Record<string, unknown>) => {
  const secret = stageSecret(initial);
  let now = 1_000_000;
  const problems: { message: string; details: Record<string, unknown> }[] = [];
  const source = createCredentialSource({
    env: {
      HAPPYCOLIS_SECRETS_SECRET_ID: SECRET_ID,
      WEBHOOK_TOKENS_SECRET_ID: SECRET_ID,
    },
    names: ['HAPPYCOLIS_SECRETS', 'WEBHOOK_TOKENS'],
    read: secret.read,
    clock: () => now,
    onProblem: (message, details) => problems.push({ message, details }),
  });
  const handler = createIngestHandler({
    config: async () => {
      const current = await source();
      return {
        happycolisSecrets: current.HAPPYCOLIS_SECRETS.values,
        webhookTokens: current.WEBHOOK_TOKENS.values,
      };
    },
    queue: new InMemoryEventQueue(),
  });
  const webhook = async () =>
    (
      await handler(
        httpEvent('POST', '/webhooks/happycolis', {
          body: BODY,
          headers: { [SIGNATURE_HEADER]: sign(HMAC, BODY) },
        }),
      )
    ).statusCode;
  const notice = async (token: string) =>
    (
      await handler(
        httpEvent('POST', '/webhooks/delivery-errors', {
          body: JSON.stringify({ code: 500, endpoint: 'https://x.example', message: 'down' }),
          headers: { authorization: `Bearer ${token}` },
        }),
      )
    ).statusCode;
  return {
    secret,
    problems,
    webhook,
    notice,
    advance: (ms: number) => {
      now += ms;
    },
  };
};

const MAX_AGE_MS = DEFAULT_SECRET_MAX_AGE_SECONDS * 1000;

describe('credentials re-read from the stage secret', () => {
  it('stops accepting a removed token within the re-read interval', async () => {
    const stage = setup({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: [TOKEN, OTHER_TOKEN] });
    expect(await stage.notice(TOKEN)).toBe(200);
    stage.secret.set({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: [OTHER_TOKEN] });
    stage.advance(MAX_AGE_MS - 1);
    expect(await stage.notice(TOKEN)).toBe(200);
    stage.advance(2);
    expect(await stage.notice(TOKEN)).toBe(401);
    expect(await stage.notice(OTHER_TOKEN)).toBe(200);
    expect(stage.secret.state.reads).toBe(2);
  });

  it('applies a read that removes a whole field: its route refuses, the other works', async () => {
    const stage = setup({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: [TOKEN] });
    expect(await stage.notice(TOKEN)).toBe(200);
    stage.secret.set({ HAPPYCOLIS_SECRETS: [HMAC] });
    stage.advance(MAX_AGE_MS + 1);
    expect(await stage.notice(TOKEN)).toBe(401);
    expect(await stage.webhook()).toBe(200);
  });

  it('keeps the last good values while the secret cannot be read, and retries later', async () => {
    const stage = setup({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: [TOKEN] });
    expect(await stage.webhook()).toBe(200);
    stage.secret.state.reachable = false;
    stage.advance(MAX_AGE_MS + 1);
    expect(await stage.webhook()).toBe(200);
    expect(await stage.notice(TOKEN)).toBe(200);
    expect(stage.secret.state.reads).toBe(2);
    stage.advance(SECRET_RETRY_AFTER_FAILURE_MS + 1);
    stage.secret.state.reachable = true;
    stage.secret.set({ HAPPYCOLIS_SECRETS: ['a-new-client-secret'], WEBHOOK_TOKENS: [TOKEN] });
    expect(await stage.webhook()).toBe(401);
    expect(stage.problems[0]?.message).toMatch(/keeping the last values read/);
  });

  it('answers 503 on the HappyColis route only, when its field is broken', async () => {
    const stage = setup({ HAPPYCOLIS_SECRETS: ['  '], WEBHOOK_TOKENS: [TOKEN] });
    expect(await stage.webhook()).toBe(503);
    expect(await stage.notice(TOKEN)).toBe(200);
    expect(JSON.stringify(stage.problems)).toMatch(/HAPPYCOLIS_SECRETS entry 1 of 1 is empty/);
  });

  it('keeps the HappyColis route working when WEBHOOK_TOKENS is weak or mistyped', async () => {
    for (const tokens of ['short', 42, { a: 1 }]) {
      const stage = setup({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: tokens });
      expect(await stage.webhook()).toBe(200);
      expect(await stage.notice('short')).toBe(401);
      expect(JSON.stringify(stage.problems)).toContain('WEBHOOK_TOKENS');
      expect(JSON.stringify(stage.problems)).not.toContain('short"');
    }
  });

  it('starts with a secret that is not JSON, refusing both routes until it is fixed', async () => {
    const stage = setup({});
    stage.secret.set(HMAC);
    expect(await stage.webhook()).toBe(503);
    expect(JSON.stringify(stage.problems)).not.toContain(HMAC);
    stage.secret.set({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: [TOKEN] });
    stage.advance(MAX_AGE_MS + 1);
    expect(await stage.webhook()).toBe(200);
  });
});

describe('checkCredentials', () => {
  it(`refuses a bearer token under ${WEBHOOK_TOKEN_MIN_BYTES} bytes, naming the entry, never the value`, () => {
    const checked = checkCredentials('WEBHOOK_TOKENS', ['tiny-token', TOKEN]);
    expect(checked.values).toEqual([TOKEN]);
    expect(checked.problems).toEqual([
      expect.stringMatching(/^WEBHOOK_TOKENS entry 1 of 2 is 10 bytes; .* at least 16/),
    ]);
    expect(checked.problems.join()).not.toContain('tiny-token');
  });

  it('accepts any non-blank HappyColis secret, however short', () => {
    expect(checkCredentials('HAPPYCOLIS_SECRETS', 'x, y')).toEqual({
      values: ['x', 'y'],
      problems: [],
    });
    expect(checkCredentials('HAPPYCOLIS_SECRETS', '[" "]').values).toEqual([]);
  });
});
