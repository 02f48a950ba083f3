import { describe, expect, it } from 'vitest';
import { secretIncomingWebhook } from '../../functions/alerting/channels/slack-webhook.ts';
import { WebhookConfigError } from '../../functions/alerting/channels/webhook.ts';
import {
  ConfigError,
  credentialListField,
  loadCredentialLists,
  parseStageSecret,
  type StageSecret,
} from '../../functions/config.ts';

/**
 * The stage secret as the stack deploys it (one secret, named in each function's
 * `<FIELD>_SECRET_ID`) and as the functions read it. Secrets Manager itself is exercised by the
 * bundles in synth.test.ts; here a reader stands in for it.
 */

const SECRET_ID = 'fulfillment-webhooks/prod/secrets';

const readerOf = (text: string) => {
  const reads: string[] = [];
  const read = async (secretId: string): Promise<StageSecret> => {
    reads.push(secretId);
    return parseStageSecret(text, secretId);
  };
  return { read, reads };
};

describe('parseStageSecret', () => {
  it('reads a JSON object of fields', () => {
    expect(parseStageSecret('{"HAPPYCOLIS_SECRETS":["a"],"X":1}', SECRET_ID)).toEqual({
      HAPPYCOLIS_SECRETS: ['a'],
      X: 1,
    });
  });

  it.each([
    ['a plain list', 'hmac-1,hmac-2'],
    ['a JSON array', '["hmac-1"]'],
    ['broken JSON', '{"HAPPYCOLIS_SECRETS": ["hmac-1"'],
    ['a JSON string', '"hmac-1"'],
    ['JSON null', 'null'],
  ])('refuses %s, naming the secret and quoting no value', (_what, text) => {
    expect(() => parseStageSecret(text, SECRET_ID)).toThrow(ConfigError);
    expect(() => parseStageSecret(text, SECRET_ID)).toThrow(
      `secret ${SECRET_ID} must hold a JSON object of credentials`,
    );
    expect(() => parseStageSecret(text, SECRET_ID)).not.toThrow(/hmac-1/);
  });

  it('refuses a binary secret', () => {
    expect(() => parseStageSecret(new Uint8Array([1, 2]), SECRET_ID)).toThrow(ConfigError);
  });
});

describe('credentialListField', () => {
  it('takes a JSON array or a comma-separated string, trimmed', () => {
    const secret = { A: [' x ', 'y', ''], B: 'p, q' };
    expect(credentialListField(secret, 'A', SECRET_ID)).toEqual(['x', 'y']);
    expect(credentialListField(secret, 'B', SECRET_ID)).toEqual(['p', 'q']);
  });

  it('names a missing field', () => {
    expect(() => credentialListField({ A: ['x'] }, 'WEBHOOK_TOKENS', SECRET_ID)).toThrow(
      `secret ${SECRET_ID} has no field WEBHOOK_TOKENS`,
    );
    expect(() =>
      credentialListField({ WEBHOOK_TOKENS: null }, 'WEBHOOK_TOKENS', SECRET_ID),
    ).toThrow('has no field WEBHOOK_TOKENS');
  });

  it('refuses a field that is not a list of strings, quoting no value', () => {
    const read = () => credentialListField({ A: ['tok-1', 2] }, 'A', SECRET_ID);
    expect(read).toThrow(`field A of secret ${SECRET_ID} must be a list of strings`);
    expect(read).not.toThrow(/tok-1/);
  });
});

describe('loadCredentialLists', () => {
  const env = {
    HAPPYCOLIS_SECRETS_SECRET_ID: SECRET_ID,
    WEBHOOK_TOKENS_SECRET_ID: SECRET_ID,
  };

  it('reads every field from one fetch of the stage secret', async () => {
    const { read, reads } = readerOf('{"HAPPYCOLIS_SECRETS":["h1","h2"],"WEBHOOK_TOKENS":"t1"}');
    await expect(
      loadCredentialLists(env, ['HAPPYCOLIS_SECRETS', 'WEBHOOK_TOKENS'], read),
    ).resolves.toEqual({ HAPPYCOLIS_SECRETS: ['h1', 'h2'], WEBHOOK_TOKENS: ['t1'] });
    expect(reads).toEqual([SECRET_ID]);
  });

  it('falls back to the plain variables when no secret is named (a laptop)', async () => {
    const { read, reads } = readerOf('{}');
    await expect(
      loadCredentialLists(
        { HAPPYCOLIS_SECRETS: 'h1,h2', WEBHOOK_TOKENS: '' },
        ['HAPPYCOLIS_SECRETS', 'WEBHOOK_TOKENS'],
        read,
      ),
    ).resolves.toEqual({ HAPPYCOLIS_SECRETS: ['h1', 'h2'], WEBHOOK_TOKENS: [] });
    expect(reads).toEqual([]);
  });

  it('fails when the stage secret lacks a field the function needs', async () => {
    const { read } = readerOf('{"HAPPYCOLIS_SECRETS":["h1"]}');
    await expect(
      loadCredentialLists(env, ['HAPPYCOLIS_SECRETS', 'WEBHOOK_TOKENS'], read),
    ).rejects.toThrow(`secret ${SECRET_ID} has no field WEBHOOK_TOKENS`);
  });
});

describe('secretIncomingWebhook', () => {
  it('takes the URL from the SLACK_WEBHOOK_URL field, on first use, with a cache age', async () => {
    const ages: number[] = [];
    const webhook = secretIncomingWebhook(
      SECRET_ID,
      'SLACK_WEBHOOK_URL',
      async (secretId, maxAgeSeconds) => {
        ages.push(maxAgeSeconds);
        return parseStageSecret('{"HAPPYCOLIS_SECRETS":["h1"]}', secretId);
      },
    );
    expect(ages).toEqual([]);
    const sending = webhook.send({ text: 'hello' });
    await expect(sending).rejects.toThrow(WebhookConfigError);
    await expect(sending).rejects.toThrow(`secret ${SECRET_ID} has no field SLACK_WEBHOOK_URL`);
    expect(ages[0]).toBeGreaterThan(0);
  });

  it('refuses a field that is not a URL, without quoting it', async () => {
    const webhook = secretIncomingWebhook(SECRET_ID, 'SLACK_WEBHOOK_URL', async (secretId) =>
      parseStageSecret('{"SLACK_WEBHOOK_URL":"hooks-slack-T000"}', secretId),
    );
    const sending = webhook.send({ text: 'hello' });
    await expect(sending).rejects.toThrow(
      `field SLACK_WEBHOOK_URL of secret ${SECRET_ID} is not a URL`,
    );
    await expect(sending).rejects.not.toThrow(/hooks-slack-T000/);
  });
});
