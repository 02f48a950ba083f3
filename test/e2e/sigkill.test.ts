import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { names } from '../../functions/definitions/resources.ts';
import { sampleBody } from '../../lib/local/samples.ts';
import { createDataDir, getIntegration, postWebhook, SECRET, TOKEN, viewOf } from './support.ts';

/**
 * `npm start` killed with SIGKILL while webhooks are being answered and processed: every event
 * it answered `200` must be applied after the next start on the same DATA_DIR.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EVENTS = 600;
/** Killed once this many were acknowledged, with posts still arriving. */
const KILL_AFTER = 300;
const CONCURRENCY = 16;

const children: ChildProcess[] = [];
let dataDir: string | undefined;

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** `npm start`, as a person runs it, on a free port; resolves with its URL. */
const startRuntime = (directory: string): Promise<{ child: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lib/local/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        DATA_DIR: directory,
        HAPPYCOLIS_SECRETS: SECRET,
        WEBHOOK_TOKENS: TOKEN,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        child.stdout?.off('data', onData);
        resolve({ child, url });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code}:\n${output}`)));
  });

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** What the event queue held on disk when the runtime died. */
const queueOnDisk = (directory: string) => {
  const db = new DatabaseSync(join(directory, 'messaging', 'fauxqs.db'));
  try {
    const row = db
      .prepare(
        `SELECT COUNT(*) AS total, COALESCE(SUM(receipt_handle IS NOT NULL), 0) AS inFlight
         FROM sqs_messages WHERE queue_name = ?`,
      )
      .get(names.queue);
    return { waiting: Number(row?.total) - Number(row?.inFlight), inFlight: Number(row?.inFlight) };
  } finally {
    db.close();
  }
};

const integrationId = (index: number) => `sigkill-${String(index).padStart(4, '0')}`;

describe('a runtime killed with SIGKILL', () => {
  it('applies every event it answered 200 after the next start', async () => {
    dataDir = await createDataDir();
    const bodies = await Promise.all(
      Array.from({ length: EVENTS }, (_, i) => sampleBody('created', { id: integrationId(i) })),
    );
    const first = await startRuntime(dataDir);

    const acknowledged = new Set<number>();
    let next = 0;
    let killed = false;
    const poster = async () => {
      while (next < EVENTS && !killed) {
        const index = next++;
        try {
          const answer = await postWebhook(first.url, bodies[index] as string);
          if (answer.status === 200) acknowledged.add(index);
        } catch {
          // The runtime died under this request: it was never acknowledged.
          return;
        }
        if (acknowledged.size >= KILL_AFTER && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, poster));
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);

    const atKill = queueOnDisk(dataDir);
    console.info(
      `SIGKILL after ${acknowledged.size} acknowledged events: ${atKill.waiting} queued and ` +
        `${atKill.inFlight} in flight (received by a processor batch, not yet deleted)`,
    );
    // The kill must have caught acknowledged events not yet applied, or this proves nothing.
    expect(atKill.waiting + atKill.inFlight).toBeGreaterThan(0);

    const second = await startRuntime(dataDir);
    const missing = new Set(acknowledged);
    const deadline = Date.now() + 60_000;
    while (missing.size > 0 && Date.now() < deadline) {
      const ids = [...missing];
      for (let i = 0; i < ids.length; i += CONCURRENCY) {
        await Promise.all(
          ids.slice(i, i + CONCURRENCY).map(async (index) => {
            const answer = await getIntegration(second.url, integrationId(index));
            if (answer.status === 200 && viewOf(answer).state === 'PENDING') missing.delete(index);
          }),
        );
      }
      if (missing.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([...missing].map(integrationId), 'acknowledged but never applied').toEqual([]);

    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 120_000);
});
