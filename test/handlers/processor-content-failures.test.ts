import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import type { AlertPublisher, IntegrationStore } from '../../functions/core/ports.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { quarantineKey } from '../../functions/definitions/table-keys.ts';
import { type Outcome, processMessage } from '../../functions/processor/process-message.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';

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

const collecting = (): AlertPublisher & { readonly alerts: Alert[] } => {
  const alerts: Alert[] = [];
  return { alerts, publish: async (alert) => void alerts.push(alert) };
};

const refusingApply = (error: Error): IntegrationStore => ({
  recordEvent: (...args) => store.recordEvent(...args),
  applyEvent: () => Promise.reject(error),
  getIntegration: (id) => store.getIntegration(id),
  getIntegrationWithHistory: (id) => store.getIntegrationWithHistory(id),
  recordQuarantine: (...args) => store.recordQuarantine(...args),
  recordNotice: (...args) => store.recordNotice(...args),
  alertStatus: (ref) => store.alertStatus(ref),
  markAlertSent: (ref, at) => store.markAlertSent(ref, at),
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
    const outcome = await processMessage(webhookMessage('accepted'), {
      store: refusingApply(awsError('ValidationException')),
      alerts,
      clock: () => now,
    });
    expect(outcome).toMatchObject({ kind: 'quarantined', alerted: true });
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

  it('keeps the applied state and quarantines when SNS refuses the alert', async () => {
    const message = webhookMessage('errored');
    let refusals = 0;
    const alerts = collecting();
    const refusing: AlertPublisher = {
      publish: (alert) =>
        alert.kind === 'integration-errored'
          ? Promise.reject(awsError(`InvalidParameter${refusals++ ? 'Value' : ''}Exception`))
          : alerts.publish(alert),
    };
    const outcome = await processMessage(message, { store, alerts: refusing, clock: () => now });
    expect(outcome.kind).toBe('quarantined');
    expect((await quarantineItem(outcome))?.errors[0].message).toMatch(/SNS refused its alert/);
    const id =
      message.kind === 'webhook' ? (message.webhook as { body: { id: string } }).body.id : '';
    const stored = await store.getIntegration(id);
    expect(stored?.registers.errored?.state).toBe('ERROR');
    expect(alerts.alerts.map((alert) => alert.kind)).toEqual(['quarantined']);
  });

  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'InternalServerError',
    'TimeoutError',
  ])('still fails the record on %s, so SQS retries it', async (name) => {
    await expect(
      processMessage(webhookMessage('accepted'), {
        store: refusingApply(awsError(name)),
        alerts: collecting(),
        clock: () => now,
      }),
    ).rejects.toThrow(name);
  });
});
