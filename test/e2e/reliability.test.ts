import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline } from '../../functions/definitions/resources.ts';
import { sampleBody } from '../../lib/local/samples.ts';
import {
  getIntegration,
  postWebhook,
  queueDepth,
  startTestRuntime,
  type TestRuntime,
  viewOf,
  waitFor,
  waitForView,
  withApplyEventFault,
} from './support.ts';

/**
 * Faults the emulators cannot produce (a DynamoDB outage for one integration) are injected by
 * wrapping the processor's store; everything else is the real pipeline.
 */
/** The shortest SQS allows in whole seconds: each retry waits one out. */
const VISIBILITY_TIMEOUT_SECONDS = 1;
const RETRIED_ID = 'flaky-integration-0001';
const POISON_ID = 'poison-integration-0001';
/** How many of its first `applyEvent` calls fail, per integration. */
const FAULTS = new Map<string, number>([
  [RETRIED_ID, 2],
  [POISON_ID, Number.POSITIVE_INFINITY],
]);
const attempts = new Map<string, number>();

const withInjectedFaults = withApplyEventFault((event) => {
  const id = event.body.id;
  const attempt = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, attempt);
  return attempt <= (FAULTS.get(id) ?? 0)
    ? new Error(`injected fault: attempt ${attempt} for ${id}`)
    : undefined;
});

let test: TestRuntime;

beforeAll(async () => {
  test = await startTestRuntime({
    decorateProcessorStore: withInjectedFaults,
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
  });
});

afterAll(async () => {
  await test?.stop();
});

// Distinct integrations, independent faults: the cases wait out their retries side by side.
describe.concurrent('failed records, over the real queue', () => {
  it('retries a record whose processing failed, after the visibility timeout', async () => {
    const started = Date.now();
    const posted = await postWebhook(test.url, await sampleBody('created', { id: RETRIED_ID }));
    expect(posted.status).toBe(200);

    const view = await waitForView(
      test.url,
      RETRIED_ID,
      'PENDING after two failed attempts',
      (candidate) => candidate.state === 'PENDING',
      20_000,
    );
    const elapsed = Date.now() - started;

    expect(view.history).toHaveLength(1);
    expect(attempts.get(RETRIED_ID)).toBe(3);
    // Two failures, each waiting out a visibility timeout before SQS hands the record back.
    expect(elapsed).toBeGreaterThanOrEqual(2 * VISIBILITY_TIMEOUT_SECONDS * 1000 - 250);
    // A batch whose only record failed makes the handler throw (a full batch failure), which
    // the poller, like Lambda, turns into a retry of every record of the batch.
    expect(
      test.lines.some((line) => /handler threw, all \d+ record\(s\) will be retried/.test(line)),
    ).toBe(true);
  });

  it('moves a record that always fails to the DLQ after maxReceiveCount receives', async () => {
    const { resources, clients } = test.runtime;
    const posted = await postWebhook(test.url, await sampleBody('created', { id: POISON_ID }));
    expect(posted.status).toBe(200);

    await waitFor(
      'the poison record in the DLQ',
      async () =>
        (await queueDepth(test.runtime, resources.deadLetterQueueUrl)) === 1 ? true : undefined,
      { timeoutMs: (pipeline.maxReceiveCount * VISIBILITY_TIMEOUT_SECONDS + 15) * 1000 },
    );

    expect(attempts.get(POISON_ID)).toBe(pipeline.maxReceiveCount);
    expect(await queueDepth(test.runtime, resources.queueUrl)).toBe(0);
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages[0]?.Body).toContain(POISON_ID);
    // The history write succeeded, the state write never did: no state was ever applied.
    const view = viewOf(await getIntegration(test.url, POISON_ID));
    expect(view.state).toBeNull();
  });
});
