import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../functions/core/cursor.ts';
import { parseWebhook } from '../../functions/core/events.ts';
import { createOpsHandler } from '../../functions/ops/ops.ts';
import {
  CURRENT_VALIDATORS,
  type ReplayValidators,
} from '../../functions/ops/routes/quarantine.ts';
import { createProcessorHandler } from '../../functions/processor/processor.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { httpEvent, sqsEvent } from '../support/http-events.ts';
import { createTwins, type Twins } from '../twins/index.ts';

const NOW = new Date('2024-06-12T00:00:00.000Z');
let twins: Twins;

beforeEach(() => {
  twins = createTwins();
});

const ops = (validators?: ReplayValidators) =>
  createOpsHandler({
    fleet: twins.fleet,
    queue: twins.queue,
    deadLetters: twins.deadLetters,
    clock: () => NOW,
    ...(validators ? { validators } : {}),
  });

const call = async (
  method: string,
  route: string,
  options: {
    path?: Record<string, string>;
    query?: Record<string, string>;
    validators?: ReplayValidators;
  } = {},
) => {
  const event: APIGatewayProxyEventV2 = {
    ...httpEvent(method, route, options.path ? { pathParameters: options.path } : {}),
    ...(options.query ? { queryStringParameters: options.query } : {}),
  };
  const result = await ops(options.validators)(event);
  return {
    status: result.statusCode,
    body: JSON.parse(String(result.body)) as Record<string, unknown>,
  };
};

/**
 * Runs whatever waits on the queue through the processor, as the event source mapping does,
 * alert-group flushes included (no group window here); counts the messages other than flushes.
 */
const drain = async () => {
  const processor = createProcessorHandler({
    store: twins.store,
    alerting: {
      ledger: twins.ledger,
      queue: twins.queue,
      publisher: twins.alerts,
      timing: { windowMs: 0, intervalMs: 0 },
    },
    clock: () => NOW,
  });
  let events = 0;
  for (let bodies = twins.queue.bodies(); bodies.length > 0; bodies = twins.queue.bodies()) {
    twins.queue.clear();
    events += bodies.filter((body) => !body.includes('"kind":"alert-flush"')).length;
    await processor(sqsEvent(bodies));
  }
  return events;
};

const seed = async (count: number) => {
  for (let index = 0; index < count; index++) {
    await twins.store.applyEvent(
      lifecycleEvent('errored', { id: `i-${index}`, date: `2024-06-10T10:0${index}:00.000Z` }),
      NOW,
    );
  }
};

describe('GET /integrations', () => {
  it('pages with an opaque cursor, newest change first', async () => {
    await seed(5);
    const first = await call('GET', '/integrations', { query: { state: 'ERROR', limit: '2' } });
    expect(first.status).toBe(200);
    expect((first.body.items as { id: string }[]).map((item) => item.id)).toEqual(['i-4', 'i-3']);
    const cursor = String(first.body.cursor);
    expect(Buffer.from(cursor, 'base64url').toString()).not.toContain('INTEGRATION#');
    const second = await call('GET', '/integrations', {
      query: { state: 'ERROR', limit: '2', cursor },
    });
    expect((second.body.items as { id: string }[]).map((item) => item.id)).toEqual(['i-2', 'i-1']);
  });

  it.each([
    [{ cursor: 'not-a-cursor' }, /cursor is not one this API returned/],
    [{ cursor: encodeCursor('x', 'another-query') }, /cursor belongs to another query/],
    [{ state: 'BROKEN' }, /state: must be one of PENDING, ACTIVE, INACTIVE, ERROR/],
    [{ stat: 'ERROR' }, /unknown query parameter stat/],
    [{ limit: '0' }, /limit: must be at least 1/],
    [{ limit: '9999' }, /limit: must be at most 200/],
    [{ organizationId: '  ' }, /organizationId: must not be empty/],
  ])('answers 400 for %j', async (query, message) => {
    const answer = await call('GET', '/integrations', { query });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(message);
  });

  it('refuses an altered cursor', async () => {
    await seed(3);
    const first = await call('GET', '/integrations', { query: { limit: '1' } });
    const decoded = JSON.parse(Buffer.from(String(first.body.cursor), 'base64url').toString());
    const altered = Buffer.from(JSON.stringify({ ...decoded, a: 'z' })).toString('base64url');
    const answer = await call('GET', '/integrations', { query: { limit: '1', cursor: altered } });
    expect(answer).toEqual({
      status: 400,
      body: { error: 'bad_request', message: 'cursor was altered' },
    });
  });
});

describe('quarantine replay', () => {
  /** A payload the ingest quarantined under an older, stricter schema (no `errored` type). */
  const quarantined = async (payload: string) => {
    await twins.store.recordQuarantine(
      { kind: 'quarantine', id: 'q1' },
      {
        source: 'happycolis',
        receivedAt: '2024-06-11T00:00:00.000Z',
        errors: [{ path: 'header.type', message: 'unknown event type' }],
        payload,
      },
      { recordedAt: NOW.toISOString(), expiresAt: 1 },
    );
  };
  const OLD_SCHEMA: ReplayValidators = {
    ...CURRENT_VALIDATORS,
    webhook: (text) => {
      const parsed = parseWebhook(text);
      return parsed.success &&
        parsed.value.kind === 'lifecycle' &&
        parsed.value.event.step === 'errored'
        ? { success: false, errors: [{ path: 'header.type', message: 'unknown event type' }] }
        : parsed;
    },
  };

  it('answers why while the payload is still invalid, and sends nothing', async () => {
    await quarantined(JSON.stringify(envelope(lifecycleEvent('errored', { id: 'r1' }))));
    const answer = await call('POST', '/quarantine/{id}/replay', {
      path: { id: 'q1' },
      validators: OLD_SCHEMA,
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: 'still_invalid',
      errors: [{ path: 'header.type', message: 'unknown event type' }],
    });
    expect(twins.queue.depth).toBe(0);
  });

  it('applies it once after the schema changed; a second replay changes nothing', async () => {
    await quarantined(JSON.stringify(envelope(lifecycleEvent('errored', { id: 'r1' }))));
    const first = await call('POST', '/quarantine/{id}/replay', { path: { id: 'q1' } });
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('replayed');
    expect(await drain()).toBe(1);
    const integration = await twins.store.getIntegrationWithHistory('r1');
    expect(integration.integration?.registers.errored?.state).toBe('ERROR');
    expect(integration.history).toHaveLength(1);
    expect(twins.alerts.take()).toHaveLength(1);

    const second = await call('POST', '/quarantine/{id}/replay', { path: { id: 'q1' } });
    expect(second).toEqual({
      status: 200,
      body: { status: 'already_replayed', id: 'q1', replayedAt: NOW.toISOString() },
    });
    expect(await drain()).toBe(0);
    expect((await twins.store.getIntegrationWithHistory('r1')).history).toHaveLength(1);
    expect(twins.alerts.take()).toHaveLength(0);
    const shown = await call('GET', '/quarantine/{id}', { path: { id: 'q1' } });
    expect(shown.body.replayedAt).toBe(NOW.toISOString());
  });

  it('applies an accepted event without the redacted token, and says so', async () => {
    const event = envelope(lifecycleEvent('accepted', { id: 'r2' }));
    await quarantined(
      JSON.stringify({ ...event, body: { ...event.body, accessToken: '[redacted]' } }),
    );
    const answer = await call('POST', '/quarantine/{id}/replay', { path: { id: 'q1' } });
    expect(answer.status).toBe(202);
    expect(String(answer.body.notes)).toMatch(/accessToken was redacted .* cannot be restored/);
    await drain();
    expect((await twins.store.getIntegration('r2'))?.hasAccessToken).toBe(false);
    expect(twins.store.accessTokenOf('r2')).toBeUndefined();
  });

  it('refuses a payload kept only as an excerpt, and an unknown id', async () => {
    await twins.store.recordQuarantine(
      { kind: 'quarantine', id: 'big' },
      {
        source: 'happycolis',
        receivedAt: '2024-06-11T00:00:00.000Z',
        errors: [],
        payload: '{"header":',
        payloadTruncated: { truncated: true, bytes: 400_000, sha256: 'x' },
      },
      { recordedAt: NOW.toISOString(), expiresAt: 1 },
    );
    const big = await call('POST', '/quarantine/{id}/replay', { path: { id: 'big' } });
    expect(big.status).toBe(422);
    expect(big.body.error).toBe('not_replayable');
    const missing = await call('POST', '/quarantine/{id}/replay', { path: { id: 'nope' } });
    expect(missing.status).toBe(404);
  });
});

describe('DLQ routes', () => {
  it('shows the DLQ and redrives it back to the queue', async () => {
    twins.deadLetters.add('{"kind":"webhook"}');
    const shown = await call('GET', '/dlq', { query: { sample: '1' } });
    expect(shown.body).toMatchObject({ count: 1, redrive: { status: 'NONE', moved: 0 } });
    const redriven = await call('POST', '/dlq/redrive', { query: { rate: '5' } });
    expect(redriven.status).toBe(202);
    expect(twins.queue.bodies()).toEqual(['{"kind":"webhook"}']);
    const after = await call('GET', '/dlq');
    expect(after.body).toMatchObject({ count: 0, redrive: { status: 'COMPLETED', moved: 1 } });
  });

  it('refuses a rate above what SQS allows', async () => {
    const answer = await call('POST', '/dlq/redrive', { query: { rate: '501' } });
    expect(answer).toMatchObject({ status: 400, body: { message: 'rate: must be at most 500' } });
  });
});

describe('GET /notices', () => {
  it('lists notices newest first', async () => {
    for (const [index, receivedAt] of [
      '2024-06-11T00:00:00.000Z',
      '2024-06-11T01:00:00.000Z',
    ].entries()) {
      await twins.store.recordNotice(
        { kind: 'notice', id: `n${index}` },
        { code: '503', endpoint: 'https://e.test', message: 'down', receivedAt },
        { recordedAt: NOW.toISOString(), expiresAt: 1 },
      );
    }
    const answer = await call('GET', '/notices');
    expect((answer.body.items as { id: string }[]).map((item) => item.id)).toEqual(['n1', 'n0']);
  });
});

describe('operator route failures', () => {
  it('answers a generic 500 through the shared responder, the cause only in the log', async () => {
    twins.fleet.faults.failNext('listIntegrations', {
      error: new Error('table unreachable: secret detail'),
    });
    const answer = await call('GET', '/integrations');
    expect(answer).toEqual({
      status: 500,
      body: { error: 'internal_error', message: 'internal error' },
    });
  });
});
