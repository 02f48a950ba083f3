import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IntegrationStore } from '../../functions/core/ports.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { DEFAULT_FUTURE_SKEW_HOURS } from '../../functions/definitions/settings.ts';
import { createOpsHandler } from '../../functions/ops/ops.ts';
import {
  type Outcome,
  type ProcessorDeps,
  processMessage,
} from '../../functions/processor/process-message.ts';
import { createProcessorHandler } from '../../functions/processor/processor.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { httpEvent, sqsEvent } from '../support/http-events.ts';
import { createTwins, type Twins } from '../twins/index.ts';

/**
 * What the processor quarantines, and what it keeps when it does: only refusals of content
 * the ingest pre-checks, identified by the error itself, are quarantined, with the token kept
 * apart so a replay restores it; anything else fails the record (retried, then dead-lettered
 * whole). An event dated too far into the future waits in quarantine until it is not.
 */

const RECEIVED = new Date('2024-06-12T00:00:00.000Z');
const TOKEN = 'tok_KEPT_FOR_REPLAY_0123456789';
let twins: Twins;
let now: Date;

beforeEach(() => {
  twins = createTwins();
  now = RECEIVED;
});

const deps = (store: IntegrationStore = twins.store): ProcessorDeps => ({
  store,
  alerting: {
    ledger: twins.ledger,
    queue: twins.queue,
    publisher: twins.alerts,
    timing: { windowMs: 0, intervalMs: 0 },
  },
  clock: () => now,
});

const refusingApply = (error: Error): IntegrationStore => ({
  recordEvent: (...args) => twins.store.recordEvent(...args),
  applyEvent: () => Promise.reject(error),
  getIntegration: (id) => twins.store.getIntegration(id),
  getIntegrationWithHistory: (id) => twins.store.getIntegrationWithHistory(id),
  recordQuarantine: (...args) => twins.store.recordQuarantine(...args),
  recordNotice: (...args) => twins.store.recordNotice(...args),
});

const dynamoError = (message: string) =>
  Object.assign(new Error(message), { name: 'ValidationException' });

const accepted = (id: string, date = '2024-06-10T09:00:00.000Z'): QueueMessage => ({
  kind: 'webhook',
  receivedAt: RECEIVED.toISOString(),
  webhook: envelope(lifecycleEvent('accepted', { id, date, accessToken: TOKEN })),
});

const ops = () => createOpsHandler({ ...twins, clock: () => now });

const call = async (method: string, route: string, id: string) => {
  const event: APIGatewayProxyEventV2 = httpEvent(method, route, { pathParameters: { id } });
  const result = await ops()(event);
  return { status: result.statusCode, body: JSON.parse(String(result.body)) };
};

/** Runs what waits on the queue through the processor, as the event source mapping does. */
const drain = async () => {
  const processor = createProcessorHandler(deps());
  for (let bodies = twins.queue.bodies(); bodies.length > 0; bodies = twins.queue.bodies()) {
    twins.queue.clear();
    await processor(sqsEvent(bodies));
  }
};

const quarantinedId = (outcome: Outcome): string => {
  if (outcome.kind !== 'quarantined') throw new Error(`expected quarantined, got ${outcome.kind}`);
  return outcome.id;
};

describe('what the processor quarantines', () => {
  it.each([
    'Invalid UpdateExpression: Two document paths overlap with each other',
    'ExpressionAttributeValues contains invalid value: one or more parameter values were invalid',
    'The provided key element does not match the schema',
    'Item size has exceeded',
  ])('fails the record on a ValidationException that names no content limit: %s', async (text) => {
    await expect(
      processMessage(accepted('bug-1'), deps(refusingApply(dynamoError(text)))),
    ).rejects.toThrow(text);
    expect(twins.queue.bodies()).toEqual([]);
  });

  it('quarantines a size refusal, keeps the token apart and never shows it', async () => {
    const refusal = dynamoError('Item size has exceeded the maximum allowed size');
    const id = quarantinedId(await processMessage(accepted('big-1'), deps(refusingApply(refusal))));
    const shown = await call('GET', '/quarantine/{id}', id);
    expect(shown.status).toBe(200);
    expect(shown.body.errors).toEqual([
      { path: '(processor)', message: expect.stringMatching(/exceed 409600 bytes/) },
    ]);
    expect(shown.body.accessTokenKept).toBe(true);
    expect(JSON.stringify(shown.body)).not.toContain(TOKEN);
    await drain();
    expect(JSON.stringify(twins.alerts.published())).not.toContain(TOKEN);
  });

  it('restores the kept token when the quarantined event is replayed', async () => {
    const refusal = dynamoError(
      'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
    );
    const id = quarantinedId(await processMessage(accepted('big-2'), deps(refusingApply(refusal))));
    const replay = await call('POST', '/quarantine/{id}/replay', id);
    expect(replay).toMatchObject({ status: 202, body: { status: 'replayed' } });
    await drain();
    expect(twins.store.accessTokenOf('big-2')).toBe(TOKEN);
  });
});

describe('events dated in the future', () => {
  const FAR = '9999-12-31T23:59:59.000Z';

  it('quarantines an event dated beyond the skew, with the reason, instead of applying it', async () => {
    const outcome = await processMessage(accepted('future-1', FAR), deps());
    const shown = await call('GET', '/quarantine/{id}', quarantinedId(outcome));
    expect(shown.body.errors).toEqual([
      {
        path: 'header.date',
        message: expect.stringMatching(
          new RegExp(`at most ${DEFAULT_FUTURE_SKEW_HOURS} h ahead is accepted`),
        ),
      },
    ]);
    expect(await twins.store.getIntegration('future-1')).toBeUndefined();
  });

  it('applies an event dated within the skew', async () => {
    const soon = new Date(RECEIVED.getTime() + 3_600_000).toISOString();
    expect(await processMessage(accepted('future-2', soon), deps())).toMatchObject({
      kind: 'applied',
    });
  });

  it('refuses a replay while the date is still ahead, and applies it once it is not', async () => {
    const date = '2024-06-20T00:00:00.000Z';
    const id = quarantinedId(await processMessage(accepted('future-3', date), deps()));
    const early = await call('POST', '/quarantine/{id}/replay', id);
    expect(early).toMatchObject({ status: 422, body: { error: 'still_in_the_future' } });
    expect(early.body.message).toContain('2024-06-19T00:00:00.000Z');

    now = new Date('2024-06-19T12:00:00.000Z');
    const later = await call('POST', '/quarantine/{id}/replay', id);
    expect(later).toMatchObject({ status: 202, body: { status: 'replayed' } });
    await drain();
    const integration = await twins.store.getIntegration('future-3');
    expect(integration?.registers.accepted?.key).toContain(date);
    expect(twins.store.accessTokenOf('future-3')).toBe(TOKEN);
  });
});

describe('events that share an identity', () => {
  const sameMillisecond = (messageId: string, accessToken: string): QueueMessage => ({
    kind: 'webhook',
    receivedAt: RECEIVED.toISOString(),
    webhook: envelope(
      lifecycleEvent('accepted', {
        id: 'twin-1',
        date: '2024-06-10T09:00:00.000Z',
        messageId,
        accessToken,
      }),
    ),
  });

  it('records and counts a distinct event with the same integration, type and millisecond', async () => {
    expect(await processMessage(sameMillisecond('msg-b', TOKEN), deps())).toMatchObject({
      kind: 'applied',
    });
    // Another event, same identity, another token, a smaller messageId: refused by the
    // ordering, so it would be a silent duplicate.
    const outcome = await processMessage(sameMillisecond('msg-a', 'tok_OTHER_0123456789'), deps());
    expect(outcome).toMatchObject({ kind: 'quarantined', conflict: true });
    const shown = await call('GET', '/quarantine/{id}', quarantinedId(outcome));
    expect(shown.body.errors[0].message).toMatch(/same identity, different content/);
    expect(shown.body.accessTokenKept).toBe(true);
    expect(JSON.stringify(shown.body)).not.toContain('tok_OTHER');
  });

  it('still treats a redelivery or a resend under a new messageId as a duplicate', async () => {
    await processMessage(sameMillisecond('msg-b', TOKEN), deps());
    expect(await processMessage(sameMillisecond('msg-b', TOKEN), deps())).toMatchObject({
      kind: 'duplicate',
    });
    expect(await processMessage(sameMillisecond('msg-a', TOKEN), deps())).toMatchObject({
      kind: 'duplicate',
    });
  });
});
