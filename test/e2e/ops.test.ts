import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { pipeline } from '../../functions/definitions/resources.ts';
import { sampleBody } from '../../lib/local/samples.ts';
import { runOps } from '../../lib/ops/cli.ts';
import {
  postWebhook,
  queueDepth,
  request,
  startTestRuntime,
  type TestRuntime,
  TOKEN,
  waitFor,
  waitForView,
  withApplyEventFault,
} from './support.ts';

/**
 * The operator CLI against the running local system: real HTTP, real emulators, the same
 * routes as the cloud. A DynamoDB outage for one integration (injected, as the emulators
 * cannot produce it) sends its event to the DLQ for real; the redrive brings it back.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEAD_ID = 'dlq-integration-0001';
let outage = true;

const withOutage = withApplyEventFault((event) =>
  outage && event.body.id === DEAD_ID ? new Error('injected DynamoDB outage') : undefined,
);

let test: TestRuntime;

beforeAll(async () => {
  test = await startTestRuntime({
    decorateProcessorStore: withOutage,
    visibilityTimeoutSeconds: 1,
  });
});
afterAll(async () => {
  await test?.stop();
});

/** Runs the CLI in-process against the runtime; resolves to its exit code and output. */
const ops = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(['--url', test.url, ...argv], {
    print: (text) => out.push(text),
    printError: (text) => err.push(text),
    env: {},
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200))),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
};

const post = async (event: 'created' | 'errored' | 'accepted', id: string, date?: string) => {
  const answer = await postWebhook(
    test.url,
    await sampleBody(event, { id, ...(date ? { date } : {}) }),
  );
  expect(answer.status).toBe(200);
};

const ListSchema = v.object({
  items: v.array(v.object({ id: v.string(), state: v.string() })),
  cursor: v.optional(v.string()),
});

describe('npm run ops against the local runtime', () => {
  it('lists integrations by state, as a table and as JSON, across pages', async () => {
    const ids = ['ops-a', 'ops-b', 'ops-c'];
    for (const [index, id] of ids.entries()) {
      await post('created', id, `2024-07-0${index + 1}T09:00:00.000Z`);
      await post('errored', id, `2024-07-0${index + 1}T10:00:00.000Z`);
    }
    await post('created', 'ops-pending', '2024-07-09T09:00:00.000Z');
    for (const id of ids)
      await waitForView(test.url, id, 'ERROR', (view) => view.state === 'ERROR');
    await waitForView(test.url, 'ops-pending', 'PENDING', (view) => view.state === 'PENDING');

    const table = await ops('integrations', 'list', '--state', 'ERROR');
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +STATE +ORGANIZATION +LOCATION +SERVICE +LAST EVENT$/);
    expect(lines.slice(1, 4).map((line) => line.split(/ +/)[0])).toEqual([
      'ops-c',
      'ops-b',
      'ops-a',
    ]);
    expect(table.stdout).not.toContain('ops-pending');

    const first = await ops('integrations', 'list', '--state', 'ERROR', '--limit', '2', '--json');
    const page = v.parse(ListSchema, JSON.parse(first.stdout));
    expect(page.items.map((item) => item.id)).toEqual(['ops-c', 'ops-b']);
    const all = await ops(
      'integrations',
      'list',
      '--state',
      'ERROR',
      '--limit',
      '1',
      '--all',
      '--json',
    );
    expect(v.parse(ListSchema, JSON.parse(all.stdout)).items.map((item) => item.id)).toEqual(
      expect.arrayContaining(ids),
    );

    const shown = await ops('integrations', 'show', 'ops-a');
    expect(shown.stdout).toMatch(/state: +ERROR/);
    expect(shown.stdout).toMatch(/errored +applied/);
  });

  it('says what to fix: bad filter, tampered cursor, unknown id, nobody listening', async () => {
    const bad = await ops('integrations', 'list', '--state', 'BROKEN');
    expect(bad).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: 400 .*state: must be one of/),
    });
    const cursor = await ops('integrations', 'list', '--cursor', 'eyJ2IjoxfQ');
    expect(cursor.stderr).toMatch(/400 .*cursor is not one this API returned/);
    const missing = await ops('integrations', 'show', 'no-such-integration');
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/404 .*no integration with id/),
    });
    const closed = await runOps(['--url', 'http://127.0.0.1:9', 'dlq', 'show'], {
      print: () => {},
      printError: (text) => expect(text).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9.*npm start/),
      env: {},
    });
    expect(closed).toBe(1);
    expect(await ops('nonsense')).toMatchObject({ code: 2 });
  });

  it('shows a quarantined payload, refuses a replay that is still invalid', async () => {
    const text = await sampleBody('created', { id: 'ops-quarantined' });
    const broken = JSON.parse(text) as { body: Record<string, unknown> };
    broken.body.locationId = '';
    broken.body.accessToken = 'tok_SECRET_123';
    const answer = await postWebhook(test.url, JSON.stringify(broken));
    expect(answer.json).toMatchObject({ status: 'quarantined' });

    const listed = await waitFor('the quarantine listed', async () => {
      const list = await ops('quarantine', 'list', '--source', 'happycolis', '--json');
      const page = v.parse(
        v.object({ items: v.array(v.object({ id: v.string(), source: v.string() })) }),
        JSON.parse(list.stdout),
      );
      return page.items[0];
    });
    const shown = await ops('quarantine', 'show', listed.id);
    expect(shown.stdout).toMatch(/body\.locationId/);
    expect(shown.stdout).toContain('[redacted]');
    expect(shown.stdout).not.toContain('tok_SECRET_123');

    const replay = await ops('quarantine', 'replay', listed.id);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/^not replayed: the payload does not validate/);
    expect(replay.stderr).toMatch(/body\.locationId/);
  });

  it('replays a payload quarantined by older code once; again changes nothing', async () => {
    // What an older version quarantined: a payload valid today.
    const store = new DynamoIntegrationStore({
      client: test.runtime.clients.document,
      tableName: test.runtime.resources.tableName,
    });
    await store.recordQuarantine(
      { kind: 'quarantine', id: 'older-code-0001' },
      {
        source: 'happycolis',
        receivedAt: '2024-07-01T00:00:00.000Z',
        errors: [{ path: 'header.type', message: 'unknown event type' }],
        payload: await sampleBody('errored', { id: 'ops-replayed' }),
      },
      { recordedAt: new Date().toISOString(), expiresAt: 2_000_000_000 },
    );
    const first = await ops('quarantine', 'replay', 'older-code-0001');
    expect(first).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^replayed: queued as /),
    });
    const view = await waitForView(
      test.url,
      'ops-replayed',
      'ERROR',
      (one) => one.state === 'ERROR',
    );
    expect(view.history).toHaveLength(1);

    const again = await ops('quarantine', 'replay', 'older-code-0001');
    expect(again.stdout).toMatch(/^already replayed at .*: nothing sent again/);
    await waitFor('the queue idle', async () =>
      (await queueDepth(test.runtime, test.runtime.resources.queueUrl)) === 0 ? true : undefined,
    );
    const after = await waitForView(
      test.url,
      'ops-replayed',
      'ERROR',
      (one) => one.state === 'ERROR',
    );
    expect(after.history).toHaveLength(1);
  });

  it('lists delivery-error notices', async () => {
    const answer = await request(test.url, {
      path: '/webhooks/delivery-errors',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        code: 502,
        endpoint: 'https://ops.example/hook',
        message: 'bad gateway',
      }),
    });
    expect(answer.status).toBe(200);
    const listed = await waitFor('the notice listed', async () => {
      const list = await ops('notices', 'list');
      return list.stdout.includes('https://ops.example/hook') ? list.stdout : undefined;
    });
    expect(listed).toMatch(/^RECEIVED +CODE +ENDPOINT +MESSAGE/);
    expect(listed).toMatch(/502 +https:\/\/ops\.example\/hook +bad gateway/);
  });

  it('shows what is in the DLQ and why, redrives it, and the event is applied', async () => {
    await post('errored', DEAD_ID);
    await waitFor(
      'the event in the DLQ',
      async () =>
        (await queueDepth(test.runtime, test.runtime.resources.deadLetterQueueUrl)) === 1
          ? true
          : undefined,
      { timeoutMs: (pipeline.maxReceiveCount + 3) * 2_000 },
    );
    const shown = await ops('dlq', 'show');
    expect(shown.stdout).toMatch(/messages: +1/);
    expect(shown.stdout).toContain(`location/fulfillment_service_integration/errored ${DEAD_ID}`);
    expect(shown.stdout).toMatch(/valid now, so it failed for another reason/);
    expect(shown.stdout).toMatch(/RECEIVES/);

    outage = false;
    const redrive = await ops('dlq', 'redrive', '--rate', '5');
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toMatch(/^redrive started/);
    expect(redrive.stdout).toMatch(/completed: 1\/1 moved, 0 left in the DLQ$/m);
    await waitForView(
      test.url,
      DEAD_ID,
      'applied after the redrive',
      (view) => view.state === 'ERROR',
    );
    expect((await ops('dlq', 'show', '--json')).stdout).toMatch(/"count": 0/);
  }, 30_000);

  it('runs as `npm run ops`', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      [
        'run',
        '-s',
        'ops',
        '--',
        '--url',
        test.url,
        'integrations',
        'list',
        '--limit',
        '1',
        '--json',
      ],
      {
        cwd: ROOT,
        timeout: 30_000,
      },
    );
    expect(v.parse(ListSchema, JSON.parse(stdout)).items).toHaveLength(1);
  }, 40_000);
});

describe('requests to a deployed stage', () => {
  const withServer = async (
    status: number,
    check: (headers: IncomingHttpHeaders, url: string) => void,
  ) => {
    const server = createServer((req, res) => {
      check(req.headers, req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Forbidden' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    return { server, url: `http://127.0.0.2:${(server.address() as AddressInfo).port}` };
  };

  it('signs with SigV4 from the credential chain and explains a 403', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const { server, url } = await withServer(403, (headers) => seen.push(headers));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    try {
      const err: string[] = [];
      const code = await runOps(
        ['--stage', 'prod', '--region', 'eu-west-1', 'integrations', 'list', '--state', 'ERROR'],
        {
          print: () => {},
          printError: (text) => err.push(text),
          env: {},
          stageUrl: async () => url,
        },
      );
      expect(code).toBe(1);
      expect(err.join()).toMatch(/403 forbidden .*may not invoke this route/);
      expect(seen[0]?.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      process.env = saved;
      server.close();
    }
  });

  it('signs only for the stage host from its stack outputs, and follows no redirect', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const { server, url } = await withServer(200, (headers) => seen.push(headers));
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location: `${url}/integrations` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.2', resolve));
    const redirectUrl = `http://127.0.0.2:${(redirecting.address() as AddressInfo).port}`;
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 's' });
    const run = async (argv: string[], stageUrl: string) => {
      const err: string[] = [];
      const code = await runOps(argv, {
        print: () => {},
        printError: (text) => err.push(text),
        env: {},
        stageUrl: async () => stageUrl,
      });
      return { code, err: err.join() };
    };
    try {
      const handed = await run(['--url', url, '--region', 'eu-west-1', 'dlq', 'show'], url);
      expect(handed.code).toBe(1);
      expect(handed.err).toMatch(/refusing to sign for 127\.0\.0\.2:\d+: .*use --stage NAME/);
      const elsewhere = await run(
        ['--stage', 'prod', '--url', 'https://attacker.example', 'dlq', 'show'],
        url,
      );
      expect(elsewhere.err).toMatch(/refusing to sign for attacker\.example: stage's API host is/);
      const redirected = await run(
        ['--stage', 'prod', '--region', 'eu-west-1', 'dlq', 'show'],
        redirectUrl,
      );
      expect(redirected.code).toBe(1);
      expect(redirected.err).toMatch(
        /answered a redirect \(307 to .*\); the CLI follows no redirect/,
      );
      expect(seen).toEqual([]);
    } finally {
      process.env = saved;
      server.close();
      redirecting.close();
    }
  });

  /** Runs the CLI with no AWS configuration but what `env` leaves: its exit code and errors. */
  const opsWithoutAwsSetup = async (
    argv: readonly string[],
    unset: readonly string[],
    stageUrl?: string,
  ) => {
    const saved = { ...process.env };
    for (const name of unset) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const err: string[] = [];
      const code = await runOps(argv, {
        print: () => {},
        printError: (text) => err.push(text),
        env: {},
        ...(stageUrl ? { stageUrl: async () => stageUrl } : {}),
      });
      return { code, err: err.join() };
    } finally {
      process.env = saved;
    }
  };

  it('says when the region of a stage is unknown', async () => {
    const { code, err } = await opsWithoutAwsSetup(
      ['--stage', 'prod', 'integrations', 'list'],
      ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'],
    );
    expect(code).toBe(1);
    expect(err).toMatch(/cannot tell which region holds stage prod: pass --region/);
  });

  it('says when no credentials are found', async () => {
    const { server, url } = await withServer(200, () => {});
    try {
      const { code, err } = await opsWithoutAwsSetup(
        ['--stage', 'prod', '--region', 'eu-west-1', 'dlq', 'show'],
        ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'],
        url,
      );
      expect(code).toBe(1);
      expect(err).toMatch(/no AWS credentials found/);
    } finally {
      server.close();
    }
  });
});
