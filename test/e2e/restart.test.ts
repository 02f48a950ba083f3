import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleBody } from '../../lib/local/samples.ts';
import {
  createDataDir,
  getIntegration,
  postWebhook,
  startTestRuntime,
  type TestRuntime,
  viewOf,
  waitForView,
  waitUntilIdle,
} from './support.ts';

const ID = 'persisted-integration-0001';
const running: TestRuntime[] = [];
let dataDir: string | undefined;

afterAll(async () => {
  for (const test of running) await test.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('persistence across restarts', () => {
  it('keeps integrations when the runtime restarts on the same DATA_DIR', async () => {
    dataDir = await createDataDir();
    const first = await startTestRuntime({ dataDir, keepDataDir: true });
    running.push(first);
    expect((await postWebhook(first.url, await sampleBody('created', { id: ID }))).status).toBe(
      200,
    );
    expect((await postWebhook(first.url, await sampleBody('accepted', { id: ID }))).status).toBe(
      200,
    );
    const before = await waitForView(first.url, ID, 'ACTIVE', (view) => view.state === 'ACTIVE');
    await waitUntilIdle(first);
    await first.stop();
    running.pop();

    const second = await startTestRuntime({ dataDir, keepDataDir: true });
    running.push(second);
    const after = await getIntegration(second.url, ID);
    expect(after.status).toBe(200);
    expect(viewOf(after)).toEqual(before);
  });
});
