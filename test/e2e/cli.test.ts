import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_HAPPYCOLIS_SECRET, DEV_WEBHOOK_TOKEN } from '../../lib/local/config.ts';
import { createDataDir, getIntegration, SAMPLE_ID, waitFor, waitForView } from './support.ts';

/** `npm start` and `npm run send` as a developer runs them: separate processes, via tsx. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;
const SAMPLE_TOKEN = 'fsi-sample-access-token-7f3c9a1e';

const run = promisify(execFile);

/** The environment of a developer who configured nothing. */
const bareEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of [
    'HAPPYCOLIS_SECRETS',
    'WEBHOOK_TOKENS',
    'AWS_ENDPOINT_URL',
    'PORT',
    'HAPPYCOLIS_CLIENT_ID',
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
};

const send = async (args: string[]) => {
  try {
    const { stdout, stderr } = await run(TSX, ['scripts/send.ts', ...args], {
      cwd: ROOT,
      env: bareEnv({}),
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
};

let server: ChildProcess;
let output = '';
let url = '';
let dataDir = '';

beforeAll(async () => {
  dataDir = await createDataDir();
  server = spawn(TSX, ['lib/local/main.ts'], {
    cwd: ROOT,
    env: bareEnv({ PORT: '0', DATA_DIR: dataDir, ALERT_GROUP_WINDOW_SECONDS: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  url = await waitFor(
    'npm start to print its URL',
    async () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1],
    { timeoutMs: 30_000 },
  );
});

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('says out loud that it runs on the development secret and token', () => {
    expect(output).toContain('HAPPYCOLIS_SECRETS is not set');
    expect(output).toContain(DEV_HAPPYCOLIS_SECRET);
    expect(output).toContain('WEBHOOK_TOKENS is not set');
    expect(output).toContain(DEV_WEBHOOK_TOKEN);
    expect(output).toContain('npm run send -- created');
    // Without HappyColis API credentials nothing calls HappyColis, said once.
    expect(
      output.match(/HAPPYCOLIS_CLIENT_ID is not set: nothing calls the HappyColis API/g),
    ).toHaveLength(1);
  });
});

describe('npm run send against a running npm start', () => {
  it('posts signed samples that the receiver accepts and applies', async () => {
    for (const event of ['created', 'accepted', 'errored']) {
      const result = await send([event, '--url', url]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^200 /m);
      expect(result.stdout).toContain('"status":"accepted"');
    }
    const view = await waitForView(
      url,
      SAMPLE_ID,
      'ERROR',
      (candidate) => candidate.state === 'ERROR',
    );
    expect(view.history).toHaveLength(3);
    await waitFor('the alert on stdout', async () =>
      output.includes('ALERT [CRITICAL] integration-errored') ? true : undefined,
    );
    expect(output).not.toContain(SAMPLE_TOKEN);
  });

  it('applies --id, --date and --message-id overrides', async () => {
    const result = await send([
      'created',
      '--url',
      url,
      '--id',
      'cli-integration-0001',
      '--date',
      '2025-01-02T03:04:05.000Z',
      '--message-id',
      'cli-message-0001',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const view = await waitForView(
      url,
      'cli-integration-0001',
      'PENDING',
      (candidate) => candidate.state === 'PENDING',
    );
    expect(view.history).toEqual([
      {
        type: 'location/fulfillment_service_integration/created',
        date: '2025-01-02T03:04:05.000Z',
        messageId: 'cli-message-0001',
        outcome: 'applied',
      },
    ]);
  });

  it('sends a delivery-error notice with the bearer token', async () => {
    const result = await send(['delivery-error', '--url', url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^200 /m);
  });

  it('reports a rejected signature with exit status 1', async () => {
    const result = await send(['created', '--url', url, '--secret', 'wrong-secret']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^401 /m);
  });

  it('prints usage and exits 2 on bad arguments', async () => {
    const result = await send(['bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown event "bogus"');
    expect(result.stderr).toContain('Usage:');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
    ]);
    expect(code).toBe(0);
    expect(output).toContain('stopped');
    // Nothing answers any more.
    await expect(getIntegration(url, SAMPLE_ID)).rejects.toThrow();
  });
});
