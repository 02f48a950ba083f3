import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../functions/core/events.ts';
import { sampleBody, sampleText } from '../../lib/local/samples.ts';
import {
  getIntegration,
  postWebhook,
  SAMPLE_ID,
  startTestRuntime,
  type TestRuntime,
  viewOf,
  waitForView,
  waitUntilIdle,
} from './support.ts';

const SAMPLE_TOKEN = 'fsi-sample-access-token-7f3c9a1e';

let test: TestRuntime;

beforeAll(async () => {
  test = await startTestRuntime();
});

afterAll(async () => {
  await test?.stop();
});

const erroredAlertsFor = (id: string) =>
  test.alerts.filter(
    (alert) => alert.kind === 'integration-errored' && alert.integration?.id === id,
  );

describe('the documented lifecycle, over HTTP', () => {
  it('accepts each signed sample as printed and moves PENDING → ACTIVE → INACTIVE → ERROR', async () => {
    const steps = [
      { event: 'created', state: 'PENDING' },
      { event: 'accepted', state: 'ACTIVE' },
      { event: 'rejected', state: 'INACTIVE' },
      { event: 'errored', state: 'ERROR' },
    ] as const;
    for (const { event, state } of steps) {
      const posted = await postWebhook(test.url, await sampleText(event));
      expect(posted.status, `${event}: ${posted.text}`).toBe(200);
      expect(posted.json).toMatchObject({ status: 'accepted' });
      // The history line and the state are two concurrent writes: wait for both.
      const view = await waitForView(
        test.url,
        SAMPLE_ID,
        `${event} applied`,
        (candidate) =>
          candidate.lastEventType === EVENT_TYPES[event] &&
          candidate.history.some((line) => line.type === EVENT_TYPES[event]),
      );
      expect(view.state).toBe(state);
      if (event === 'accepted') expect(view.hasAccessToken).toBe(true);
    }

    const response = await getIntegration(test.url, SAMPLE_ID);
    expect(response.text).not.toContain(SAMPLE_TOKEN);
    expect(viewOf(response)).toEqual({
      id: SAMPLE_ID,
      organizationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      locationId: 'j1k2l3m4-n5o6-7890-pqrs-123456789012',
      fulfillmentServiceId: 's0t1u2v3-w4x5-6789-yzab-012345678901',
      state: 'ERROR',
      scopes: ['fulfillment:read', 'fulfillment:write', 'inventory:read'],
      hasAccessToken: expect.any(Boolean),
      lastEventAt: '2024-06-11T14:00:00.000Z',
      lastEventType: EVENT_TYPES.errored,
      history: [
        {
          type: EVENT_TYPES.errored,
          date: '2024-06-11T14:00:00.000Z',
          messageId: 'u2v3w4x5-y6z7-8901-abcd-234567890123',
          outcome: 'applied',
        },
        {
          type: EVENT_TYPES.rejected,
          date: '2024-06-10T11:45:00.000Z',
          messageId: 'v3w4x5y6-z7a8-9012-bcde-345678901234',
          outcome: 'applied',
        },
        {
          type: EVENT_TYPES.accepted,
          date: '2024-06-10T10:30:00.000Z',
          messageId: 't1u2v3w4-x5y6-7890-zabc-012345678912',
          outcome: 'applied',
        },
        {
          type: EVENT_TYPES.created,
          date: '2024-06-10T09:00:00.000Z',
          messageId: 'q8r9s0t1-u2v3-4567-wxyz-890123456789',
          outcome: 'applied',
        },
      ],
    });

    await waitUntilIdle(test);
    const alerts = erroredAlertsFor(SAMPLE_ID);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', integration: { state: 'ERROR' } });
    expect(JSON.stringify(test.alerts)).not.toContain(SAMPLE_TOKEN);
    expect(test.lines.join('\n')).not.toContain(SAMPLE_TOKEN);
  });

  it('changes nothing and alerts nobody again on redelivery or resend', async () => {
    await waitUntilIdle(test);
    const before = viewOf(await getIntegration(test.url, SAMPLE_ID));
    const alertsBefore = erroredAlertsFor(SAMPLE_ID).length;
    expect(alertsBefore).toBe(1);

    const errored = await sampleText('errored');
    // The same delivery twice, then the same event resent under a new messageId.
    for (const body of [
      errored,
      errored,
      await sampleBody('errored', { messageId: 'resent-errored-0001' }),
      await sampleBody('created', { messageId: 'resent-created-0001' }),
    ]) {
      const posted = await postWebhook(test.url, body);
      expect(posted.status).toBe(200);
    }
    await waitUntilIdle(test);

    expect(viewOf(await getIntegration(test.url, SAMPLE_ID))).toEqual(before);
    expect(erroredAlertsFor(SAMPLE_ID)).toHaveLength(alertsBefore);
  });

  it('decides by event time, not arrival: errored first, then created and accepted', async () => {
    const id = 'out-of-order-integration-0001';
    for (const event of ['errored', 'accepted', 'created'] as const) {
      const posted = await postWebhook(test.url, await sampleBody(event, { id }));
      expect(posted.status).toBe(200);
    }
    const view = await waitForView(test.url, id, 'three events recorded', (candidate) => {
      return candidate.history.length === 3;
    });
    await waitUntilIdle(test);

    expect(view.state).toBe('ERROR');
    expect(view.lastEventType).toBe(EVENT_TYPES.errored);
    expect(view.history.map((line) => line.type)).toEqual([
      EVENT_TYPES.errored,
      EVENT_TYPES.accepted,
      EVENT_TYPES.created,
    ]);
    expect(erroredAlertsFor(id)).toHaveLength(1);
  });
});
