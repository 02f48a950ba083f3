import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOps } from '../../lib/ops/cli.ts';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../infra/secrets-stand-in.ts';

/**
 * `npm run ops -- secrets check --stage S` reads the stage secret through the SDK (from a
 * Secrets Manager stand-in here), checks it the way the ingest will, and prints no value.
 */

const GOOD = 'fulfillment-webhooks/good/secrets';
const WEAK = 'fulfillment-webhooks/weak/secrets';
const BROKEN = 'fulfillment-webhooks/broken/secrets';
const HMAC = 'a-happycolis-client-secret';
const STRONG = 'a-strong-bearer-token-0123456789';
const WEAK_TOKEN = 'abc123';

let secrets: SecretsManagerStandIn;
beforeAll(async () => {
  secrets = await startSecretsManagerStandIn({
    [GOOD]: JSON.stringify({ HAPPYCOLIS_SECRETS: [HMAC], WEBHOOK_TOKENS: STRONG }),
    [WEAK]: JSON.stringify({ HAPPYCOLIS_SECRETS: [' '], WEBHOOK_TOKENS: [STRONG, WEAK_TOKEN] }),
    [BROKEN]: `${HMAC},${STRONG}`,
  });
});
afterAll(() => secrets?.close());

const check = async (stage: string) => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const out: string[] = [];
  try {
    const code = await runOps(['secrets', 'check', '--stage', stage, '--region', 'eu-west-1'], {
      print: (text) => out.push(text),
      printError: (text) => out.push(text),
      env: {},
      stageSecretId: async (name) => `fulfillment-webhooks/${name}/secrets`,
    });
    return { code, out: out.join('\n') };
  } finally {
    process.env = saved;
  }
};

describe('ops secrets check', () => {
  it('passes a usable stage secret', async () => {
    const { code, out } = await check('good');
    expect(code).toBe(0);
    expect(out).toMatch(/ok {2}HAPPYCOLIS_SECRETS: 1 usable entry/);
    expect(out).toMatch(/ok {2}WEBHOOK_TOKENS: 1 usable entry/);
    expect(out).not.toContain(HMAC);
    expect(out).not.toContain(STRONG);
  });

  it('names each bad field and entry, and no value', async () => {
    const { code, out } = await check('weak');
    expect(code).toBe(1);
    expect(out).toMatch(/BAD HAPPYCOLIS_SECRETS: 0 usable entries/);
    expect(out).toMatch(/WEBHOOK_TOKENS entry 2 of 2 is 6 bytes/);
    expect(out).not.toContain(WEAK_TOKEN);
    expect(out).not.toContain(STRONG);
  });

  it('says a secret that is not a JSON object is unusable, quoting nothing', async () => {
    const { code, out } = await check('broken');
    expect(code).toBe(1);
    expect(out).toContain(`secret ${BROKEN} must hold a JSON object`);
    expect(out).not.toContain(HMAC);
  });
});
