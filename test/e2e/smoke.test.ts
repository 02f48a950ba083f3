import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_TEST } from '../../functions/definitions/smoke-test.ts';
import { runOps } from '../../lib/ops/cli.ts';
import { DEFAULT_SMOKE_DEPS, runSmoke, type Subscription } from '../../lib/ops/smoke.ts';
import {
  postWebhook,
  request,
  SAMPLE_ID,
  SECRET,
  startTestRuntime,
  type TestRuntime,
} from './support.ts';

/**
 * The smoke test of a stage, run against the local runtime: the same event, the same HTTP
 * routes, the same processor and table adapters as a deployed stage. The cloud-only parts
 * (stack outputs, the stage secret, the topic's subscriptions) are stand-ins; the API they lead
 * to is the runtime.
 */

let runtime: TestRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

const ops = async (argv: string[]) => {
  const printed: string[] = [];
  const code = await runOps(argv, {
    print: (text) => printed.push(text),
    printError: (text) => printed.push(text),
    env: {},
  });
  return { code, text: printed.join('\n') };
};

const ids = (answer: { json: unknown }) =>
  (answer.json as { items: { id: string }[] }).items.map((item) => item.id);

describe('npm run ops -- smoke', () => {
  it('passes against a working runtime, and leaves nothing in lists or alerts', async () => {
    // A real integration, to show the lists work while the smoke test's stays out of them.
    const sample = await readFile(
      new URL('../../lib/local/samples/accepted.json', import.meta.url),
      'utf8',
    );
    expect((await postWebhook(runtime.url, sample)).status).toBe(200);

    for (const attempt of [1, 2]) {
      const { code, text } = await ops([
        'smoke',
        '--url',
        runtime.url,
        '--secret',
        SECRET,
        '--timeout',
        '20',
      ]);
      expect(code, `run ${attempt}:\n${text}`).toBe(0);
      expect(text).toMatch(/^PASS {2}deliver +signed event accepted: 200 in \d+ ms/m);
      expect(text).toMatch(/^PASS {2}applied +applied within [\d.]+ s$/m);
      expect(text).toContain(
        `PASS  read back  ${SMOKE_TEST.integrationId} is ACTIVE, the event applied, no token shown`,
      );
      expect(text).toMatch(/^SKIP {2}alerts +the local runtime prints alerts/m);
      expect(text.split('\n').at(-1)).toBe('smoke test passed');
    }

    const view = await request(runtime.url, {
      path: `/integrations/${SMOKE_TEST.integrationId}`,
      method: 'GET',
    });
    expect((view.json as { history: unknown[] }).history).toHaveLength(2);
    expect(view.text).not.toContain('smoke-token');

    await expect
      .poll(async () => ids(await request(runtime.url, { path: '/integrations', method: 'GET' })))
      .toEqual([SAMPLE_ID]);
    expect(
      ids(await request(runtime.url, { path: '/integrations?state=ACTIVE', method: 'GET' })),
    ).toEqual([SAMPLE_ID]);
    // Past the runtime's alert group window: nothing was published about it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(runtime.alerts).toEqual([]);
  });

  it('fails the delivery step with what to do when the secret is wrong', async () => {
    const { code, text } = await ops(['smoke', '--url', runtime.url, '--secret', 'not-the-secret']);
    expect(code).toBe(1);
    expect(text).toMatch(/^FAIL {2}deliver +401: the receiver refused the signature/m);
    expect(text).toContain('what to do: pass the secret the runtime was started with');
    expect(text.split('\n').at(-1)).toBe('smoke test FAILED (1 step failed)');
  });

  it('reads a stage from its outputs and secret, and fails while a subscription waits for confirmation', async () => {
    let subscriptions: Subscription[] = [
      { protocol: 'email', endpoint: 'oncall@example.com', pending: true },
      { protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-west-3:123456789012:slack', pending: false },
    ];
    const asked: string[] = [];
    const deps = {
      ...DEFAULT_SMOKE_DEPS,
      readOutputs: async (stage: string) => {
        asked.push(`outputs ${stage}`);
        return {
          ApiUrl: `${runtime.url}/`,
          AlertsTopicArn: 'arn:aws:sns:eu-west-3:123456789012:alerts',
          StageSecretName: 'fulfillment-webhooks/prod/secrets',
        };
      },
      readSigningSecrets: async (name: string, region: string) => {
        asked.push(`secret ${name} in ${region}`);
        return [SECRET, 'an-older-secret'];
      },
      listSubscriptions: async (arn: string) => {
        asked.push(`subscriptions ${arn}`);
        return subscriptions;
      },
    };
    const options = { stage: 'prod', timeoutSeconds: 20, env: {} };

    const pending = await runSmoke(options, deps);
    expect(asked).toEqual([
      'outputs prod',
      'secret fulfillment-webhooks/prod/secrets in eu-west-3',
      'subscriptions arn:aws:sns:eu-west-3:123456789012:alerts',
    ]);
    expect(pending.map((step) => `${step.step} ${step.status}`)).toEqual([
      'stage pass',
      'secret pass',
      'deliver pass',
      'applied pass',
      'read back pass',
      'alerts fail',
    ]);
    expect(pending.at(-1)).toMatchObject({
      detail: 'waiting for confirmation: email oncall@example.com',
      todo: expect.stringContaining(
        '"AWS Notification - Subscription Confirmation" email sent to oncall@example.com',
      ),
    });

    subscriptions = subscriptions.map((one) => ({ ...one, pending: false }));
    expect((await runSmoke(options, deps)).at(-1)).toMatchObject({
      step: 'alerts',
      status: 'pass',
      detail:
        '2 subscription(s) confirmed: email oncall@example.com, sqs (the chat notifier queue)',
    });

    subscriptions = [];
    expect((await runSmoke(options, deps)).at(-1)).toMatchObject({
      status: 'fail',
      todo: 'set alertEmail (and slack) in stages/prod.json and deploy again',
    });
  });

  it('stops at the stage step when the stack lacks an output', async () => {
    const steps = await runSmoke(
      { stage: 'old', timeoutSeconds: 1, env: {} },
      { ...DEFAULT_SMOKE_DEPS, readOutputs: async () => ({ ApiUrl: runtime.url }) },
    );
    expect(steps).toEqual([
      {
        step: 'stage',
        status: 'fail',
        detail:
          'stack FulfillmentWebhooks-old has no AlertsTopicArn output: deploy it again with `npx cdk deploy -c stage=old`',
        todo: 'fix what the message says, then run the smoke test again',
      },
    ]);
  });
});
