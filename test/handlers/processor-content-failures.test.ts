import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import type { GroupMessage } from '../../functions/core/alerts.ts';
import type { AlertPublisher, IntegrationStore } from '../../functions/core/ports.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { quarantineKey } from '../../functions/definitions/table-keys.ts';
import {
  type Outcome,
  type ProcessorDeps,
  processMessage,
} from '../../functions/processor/process-message.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { InMemoryEventQueue } from '../twins/index.ts';

/**
 * A record refused for its content (DynamoDB/SNS validation) is quarantined with the reason
 * and alerted, not cycled to the DLQ; a transient error still fails the record. The emulators
 * enforce no byte limits, so the refusals are injected around the real store.
 */

let aws: TestAws;
let store: DynamoIntegrationStore;
let ids = 0;
const now = new Date('2024-06-12T00:00:00.000Z');

beforeAll(async () => {
  aws = await startAws();
  store = new DynamoIntegrationStore({
    client: aws.clients.document,
    tableName: aws.resources.tableName,
  });
});
afterAll(() => aws?.stop());

const awsError = (name: string) => Object.assign(new Error(`${name}: refused`), { name });

const collecting = (): AlertPublisher & { readonly alerts: GroupMessage[] } => {
  const alerts: GroupMessage[] = [];
  return { alerts, publish: async (digest) => void alerts.push(digest) };
};

/** The processor's dependencies over the real table; flush messages stay in memory. */
const depsWith = (
  storeToUse: IntegrationStore,
  publisher: AlertPublisher,
): ProcessorDeps & { readonly queue: InMemoryEventQueue } => {
  const queue = new InMemoryEventQueue({ clock: () => now });
  const ledger = new DynamoAlertLedger({
    client: aws.clients.document,
    tableName: aws.resources.tableName,
    retentionDays: 8,
  });
  return {
    store: storeToUse,
    alerting: { ledger, queue, publisher, timing: { windowMs: 0, intervalMs: 0 } },
    clock: () => now,
    queue,
  };
};

/** Runs the alert-group flushes the processing queued: what gets published. */
const flush = async (deps: ReturnType<typeof depsWith>): Promise<Outcome[]> => {
  const outcomes: Outcome[] = [];
  for (const message of deps.queue.receive()) outcomes.push(await processMessage(message, deps));
  return outcomes;
};

const refusingApply = (error: Error): IntegrationStore => ({
  recordEvent: (...args) => store.recordEvent(...args),
  applyEvent: () => Promise.reject(error),
  getIntegration: (id) => store.getIntegration(id),
  getIntegrationWithHistory: (id) => store.getIntegrationWithHistory(id),
  recordQuarantine: (...args) => store.recordQuarantine(...args),
  recordNotice: (...args) => store.recordNotice(...args),
});

const webhookMessage = (step: 'accepted' | 'errored'): QueueMessage => {
  const event = lifecycleEvent(step, {
    id: `content-${++ids}`,
    accessToken: step === 'accepted' ? 'tok_CONTENT_SECRET' : null,
  });
  return { kind: 'webhook', receivedAt: now.toISOString(), webhook: envelope(event) };
};

const quarantineItem = async (outcome: Outcome) => {
  if (outcome.kind !== 'quarantined') throw new Error(`expected quarantined, got ${outcome.kind}`);
  const { Item } = await aws.clients.document.send(
    new GetCommand({
      TableName: aws.resources.tableName,
      Key: quarantineKey(outcome.id),
      ConsistentRead: true,
    }),
  );
  return Item;
};

describe('content failures in the processor', () => {
  it('quarantines and alerts an event DynamoDB refuses, instead of failing it forever', async () => {
    const alerts = collecting();
    const deps = depsWith(refusingApply(awsError('ValidationException')), alerts);
    const outcome = await processMessage(webhookMessage('accepted'), deps);
    expect(outcome).toMatchObject({ kind: 'quarantined', alerted: true });
    await flush(deps);
    const item = await quarantineItem(outcome);
    expect(item?.errors).toEqual([
      {
        path: '(processor)',
        message: expect.stringMatching(/DynamoDB refused.*ValidationException/),
      },
    ]);
    expect(JSON.stringify(item)).not.toContain('tok_CONTENT_SECRET');
    expect(item?.payload).toContain('"accessToken":"[redacted]"');
    expect(alerts.alerts.map((alert) => alert.kind)).toEqual(['quarantined']);
    expect(JSON.stringify(alerts.alerts)).not.toContain('tok_CONTENT_SECRET');
  });

  it('reports the group without its details when SNS refuses the message', async () => {
    const message = webhookMessage('errored');
    const alerts = collecting();
    let refusals = 0;
    const refusing: AlertPublisher = {
      publish: (digest) =>
        refusals++ === 0
          ? Promise.reject(awsError('InvalidParameterException'))
          : alerts.publish(digest),
    };
    const deps = depsWith(store, refusing);
    expect(await processMessage(message, deps)).toMatchObject({ kind: 'applied', alerted: true });
    const [flushed] = await flush(deps);
    expect(flushed).toMatchObject({
      kind: 'alert-flush',
      flush: { kind: 'flushed', published: true },
    });
    expect(alerts.alerts).toHaveLength(1);
    expect(alerts.alerts[0]).toMatchObject({ kind: 'integration-errored', total: 1, entries: [] });
    expect(alerts.alerts[0]?.summary).toContain(alerts.alerts[0]?.listCommand);
  });

  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'InternalServerError',
    'TimeoutError',
  ])('still fails the record on %s, so SQS retries it', async (name) => {
    await expect(
      processMessage(
        webhookMessage('accepted'),
        depsWith(refusingApply(awsError(name)), collecting()),
      ),
    ).rejects.toThrow(name);
  });
});
