import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupMessage } from '../../functions/core/alerts.ts';
import { encodeQueueMessage, type QueueMessage } from '../../functions/core/queue-message.ts';
import { createProcessorHandler } from '../../functions/processor/processor.ts';
import { createQueryHandler } from '../../functions/query/query.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { httpEvent, sqsEvent } from '../support/http-events.ts';
import { createTwins, type Twins } from '../twins/index.ts';

let twins: Twins;
let ids = 0;

beforeEach(() => {
  twins = createTwins({ clock: () => now });
  query = createQueryHandler({ store: twins.store });
});

/** The processor's clock; tests move it past the group window to let alerts go out. */
let now = new Date('2024-06-12T00:00:00.000Z');
const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const TIMING = { windowMs: 30_000, intervalMs: 300_000 };
const alerting = () => ({
  ledger: twins.ledger,
  queue: twins.queue,
  publisher: twins.alerts,
  timing: TIMING,
});
const processorWith = () =>
  createProcessorHandler({ store: twins.store, alerting: alerting(), clock: () => now });
let query: ReturnType<typeof createQueryHandler>;

const webhook = (
  event: ReturnType<typeof lifecycleEvent>,
  receivedAt = '2024-06-12T00:00:00.000Z',
) =>
  JSON.stringify({ kind: 'webhook', receivedAt, webhook: envelope(event) } satisfies QueueMessage);

/** The alert-group flushes due now, run by the processor (they travel on its own queue). */
const runFlushes = () =>
  processorWith()(sqsEvent(twins.queue.receiveDue(now).map(encodeQueueMessage)));

/** Lets the group window pass, runs the flushes, and takes the messages published. */
const alertsDelivered = async (): Promise<GroupMessage[]> => {
  later(TIMING.windowMs / 1000 + 1);
  await runFlushes();
  return twins.alerts.take();
};

const view = async (id: string) => {
  const result = await query(httpEvent('GET', `/integrations/${id}`, { pathParameters: { id } }));
  return {
    status: result.statusCode,
    body: JSON.parse(result.body ?? '{}'),
    raw: result.body ?? '',
  };
};

const lifecycle = () => {
  const id = `integration-${++ids}`;
  return {
    id,
    created: lifecycleEvent('created', {
      id,
      date: '2024-06-10T09:00:00.000Z',
      messageId: 'm-created',
    }),
    accepted: lifecycleEvent('accepted', {
      id,
      date: '2024-06-10T10:00:00.000Z',
      messageId: 'm-accepted',
    }),
    errored: lifecycleEvent('errored', {
      id,
      date: '2024-06-11T14:00:00.000Z',
      messageId: 'm-errored',
    }),
  };
};

describe('processor', () => {
  it('applies a batch, alerts once for the errored event, and the query shows it', async () => {
    const { id, created, accepted, errored } = lifecycle();
    const result = await processorWith()(
      sqsEvent([webhook(errored), webhook(created), webhook(accepted)]),
    );
    expect(result.batchItemFailures).toEqual([]);
    const { status, body, raw } = await view(id);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id,
      state: 'ERROR',
      hasAccessToken: true,
      lastEventAt: '2024-06-11T14:00:00.000Z',
      lastEventType: 'location/fulfillment_service_integration/errored',
      scopes: ['fulfillment:read', 'fulfillment:write', 'inventory:read'],
    });
    expect(body.history.map((line: { type: string }) => line.type.split('/').pop())).toEqual([
      'errored',
      'accepted',
      'created',
    ]);
    expect(raw).not.toContain('tok_SECRET_123');
    const alerts = await alertsDelivered();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.total).toBe(1);
    expect(alerts[0]?.alert).toMatchObject({
      kind: 'integration-errored',
      severity: 'critical',
      incidentKey: `${id}|location/fulfillment_service_integration/errored|2024-06-11T14:00:00.000Z`,
      integration: { id, state: 'ERROR' },
    });
    expect(JSON.stringify(alerts)).not.toContain('tok_SECRET_123');
  });

  it('treats redelivery and resend under a new messageId as nothing new', async () => {
    const { id, created, errored } = lifecycle();
    const processor = processorWith();
    await processor(sqsEvent([webhook(created), webhook(errored)]));
    expect(await alertsDelivered()).toHaveLength(1);
    const resent = { ...errored, header: { ...errored.header, messageId: 'm-errored-resent' } };
    const again = await processor(sqsEvent([webhook(errored), webhook(resent), webhook(created)]));
    expect(again.batchItemFailures).toEqual([]);
    expect(await alertsDelivered()).toHaveLength(0);
    const { body } = await view(id);
    expect(body.state).toBe('ERROR');
    expect(body.history).toHaveLength(2);
  });

  it('labels a late older event stale in the history', async () => {
    const { id, created, accepted } = lifecycle();
    const processor = processorWith();
    await processor(sqsEvent([webhook(accepted, '2024-06-12T00:00:00.000Z')]));
    await processor(sqsEvent([webhook(created, '2024-06-12T00:00:01.000Z')]));
    const { body } = await view(id);
    expect(body.state).toBe('ACTIVE');
    expect(body.history.map((line: { outcome: string }) => line.outcome)).toEqual([
      'applied',
      'stale',
    ]);
  });

  it('retries a flush whose publish failed, and the alert goes out once', async () => {
    const { id, errored } = lifecycle();
    const processor = processorWith();
    expect((await processor(sqsEvent([webhook(errored)]))).batchItemFailures).toEqual([]);
    expect((await view(id)).body.state).toBe('ERROR');
    twins.alerts.faults.failNext('publish', { error: new Error('SNS unavailable') });
    later(31);
    const flushes = twins.queue.receiveDue(now).map(encodeQueueMessage);
    expect(flushes).toHaveLength(1);
    // The only record failed: the whole batch failed, and the handler throws so Lambda sees it.
    await expect(processor(sqsEvent(flushes))).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(twins.alerts.take()).toHaveLength(0);
    // SQS brings the flush back after the visibility timeout, past the claim's lease.
    later(120);
    expect((await processor(sqsEvent(flushes))).batchItemFailures).toEqual([]);
    expect(twins.alerts.take()).toHaveLength(1);
    await processor(sqsEvent(flushes));
    await processor(sqsEvent([webhook(errored)]));
    expect(await alertsDelivered()).toHaveLength(0);
  });

  it('fails only the record that cannot be processed', async () => {
    const { id, created } = lifecycle();
    const result = await processorWith()(
      sqsEvent([
        webhook(created),
        'not json',
        JSON.stringify({ kind: 'webhook', receivedAt: 'x' }),
      ]),
    );
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'sqs-1' },
      { itemIdentifier: 'sqs-2' },
    ]);
    expect((await view(id)).body.state).toBe('PENDING');
  });

  it('throws when every record of the batch failed, with the error of each record', async () => {
    const batch = processorWith()(sqsEvent(['not json', JSON.stringify({ kind: 'nothing' })]));
    await expect(batch).rejects.toBeInstanceOf(FullBatchFailureError);
    await expect(batch).rejects.toMatchObject({
      recordErrors: [
        expect.objectContaining({ name: 'InvalidQueueMessageError' }),
        expect.objectContaining({ name: 'InvalidQueueMessageError' }),
      ],
    });
  });

  it('counts and logs outcomes and failures, and publishes the metrics even when the batch throws', async () => {
    const logger = new Logger({ serviceName: 'processor-test', logLevel: 'SILENT' });
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'processor-test' });
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const { created } = lifecycle();
    const processor = createProcessorHandler({
      store: twins.store,
      alerting: alerting(),
      clock: () => now,
      logger,
      metrics,
    });
    await processor(sqsEvent([webhook(created), 'not json']));
    expect(info).toHaveBeenCalledWith('record processed', {
      sqsMessageId: 'sqs-0',
      outcome: expect.objectContaining({ kind: 'applied' }),
    });
    expect(error).toHaveBeenCalledWith(
      'record failed; SQS will redeliver it',
      expect.objectContaining({ sqsMessageId: 'sqs-1', error: expect.any(Error) }),
    );
    expect(added.mock.calls.map(([name]) => name).sort()).toEqual([
      'EventsApplied',
      'RecordsFailed',
    ]);
    await expect(processor(sqsEvent(['not json']))).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(published).toHaveBeenCalledTimes(2);
  });

  it('answers an empty batch with no failures', async () => {
    expect(await processorWith()(sqsEvent([]))).toEqual({ batchItemFailures: [] });
  });

  it('records an unknown event type without applying it', async () => {
    const { id, created } = lifecycle();
    const unknown = {
      ...created,
      header: { ...created.header, type: 'location/fulfillment_service_integration/paused' },
    };
    await processorWith()(sqsEvent([webhook(created), webhook(unknown)]));
    const { body } = await view(id);
    expect(body.state).toBe('PENDING');
    expect(
      body.history.find((line: { outcome: string }) => line.outcome === 'ignored'),
    ).toMatchObject({
      type: 'location/fulfillment_service_integration/paused',
    });
  });

  it('records a quarantined payload and alerts once', async () => {
    const message = JSON.stringify({
      kind: 'quarantine',
      receivedAt: '2024-06-12T00:00:00.000Z',
      source: 'happycolis',
      errors: [{ path: 'body.scopes', message: 'Invalid type' }],
      payloadBase64: Buffer.from(`{"quarantine":${++ids}}`).toString('base64'),
    } satisfies QueueMessage);
    await processorWith()(sqsEvent([message]));
    await processorWith()(sqsEvent([message]));
    const alerts = await alertsDelivered();
    expect(alerts.map((digest) => [digest.kind, digest.severity, digest.total])).toEqual([
      ['quarantined', 'warning', 1],
    ]);
  });

  it('alerts once per delivery-error notice and hour', async () => {
    const notice = (receivedAt: string) =>
      JSON.stringify({
        kind: 'delivery-error',
        receivedAt,
        notice: { code: '500', endpoint: `https://example.test/${++ids}`, message: 'timeout' },
      } satisfies QueueMessage);
    const first = notice('2024-06-12T00:10:00.000Z');
    // A concurrent duplicate finds the incident recorded and pending: nothing more to do.
    const result = await processorWith()(sqsEvent([first, first]));
    expect(result.batchItemFailures).toEqual([]);
    expect((await processorWith()(sqsEvent([first]))).batchItemFailures).toEqual([]);
    const alerts = await alertsDelivered();
    expect(alerts.map((digest) => [digest.kind, digest.total])).toEqual([['delivery-error', 1]]);
    expect(await alertsDelivered()).toHaveLength(0);
  });
});

describe('query', () => {
  it('answers 404 for an unknown id', async () => {
    const { status, body } = await view('no-such-integration');
    expect(status).toBe(404);
    expect(body.message).toContain('no-such-integration');
  });

  it('answers 500 without details when the store fails', async () => {
    twins.store.faults.failNext('getIntegrationWithHistory', { error: new Error('secret detail') });
    const failing = createQueryHandler({ store: twins.store });
    const result = await failing(
      httpEvent('GET', '/integrations/x', { pathParameters: { id: 'x' } }),
    );
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret detail');
  });
});
