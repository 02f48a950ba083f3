import { connect } from 'node:net';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleStep } from '../../functions/core/events.ts';
import { integrationKey, QUARANTINE_PK_PREFIX } from '../../functions/definitions/table-keys.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import {
  getIntegration,
  type HttpAnswer,
  postWebhook,
  request,
  startTestRuntime,
  type TestRuntime,
  viewOf,
  waitFor,
  waitForView,
} from './support.ts';

/**
 * One test per class of payload that used to break the edge's promise: whatever was answered
 * 200 is visible afterwards, as state, history or quarantine, never only in the DLQ; no 5xx;
 * no token in any answer, record, log line or alert.
 */

let test: TestRuntime;
let runs = 0;

beforeAll(async () => {
  test = await startTestRuntime();
});
afterAll(async () => {
  await test?.stop();
});

const TOKEN = 'tok_LIMITS_SECRET_91f2';

/** A webhook body: a lifecycle event with a unique message id, patched as a sender might. */
const body = (
  step: LifecycleStep,
  patch: { header?: Record<string, unknown>; body?: Record<string, unknown> } = {},
) => {
  const event = envelope(lifecycleEvent(step, { messageId: `limits-${++runs}-${Date.now()}` }));
  return {
    messageId: event.header.messageId,
    text: JSON.stringify({
      header: { ...event.header, ...patch.header },
      body: { ...event.body, ...patch.body },
    }),
  };
};

const expectQuarantined = (answer: HttpAnswer, rule: RegExp) => {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.json).toMatchObject({ status: 'quarantined' });
  expect(answer.text).toMatch(rule);
  expect(answer.text).not.toContain(TOKEN);
};

/** The quarantine record holding `marker`, once the processor has stored it. */
const quarantined = (marker: string) =>
  waitFor(`the quarantine record of ${marker.slice(0, 40)}`, async () => {
    const { Items = [] } = await test.runtime.clients.document.send(
      new ScanCommand({
        TableName: test.runtime.resources.tableName,
        FilterExpression: 'begins_with(pk, :prefix) AND contains(payload, :marker)',
        ExpressionAttributeValues: { ':prefix': QUARANTINE_PK_PREFIX, ':marker': marker },
      }),
    );
    return Items[0];
  });

const integrationItem = async (id: string) =>
  (
    await test.runtime.clients.document.send(
      new GetCommand({
        TableName: test.runtime.resources.tableName,
        Key: integrationKey(id),
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('sizes', () => {
  it('quarantines a payload with tens of thousands of errors, keeping a bounded list', async () => {
    const { text, messageId } = body('created', {
      body: { id: 'limits-errors', scopes: Array(40_000).fill(1) },
    });
    const answer = await postWebhook(test.url, text);
    expectQuarantined(answer, /body\.scopes/);
    expect((answer.json as { errors: unknown[] }).errors.length).toBeLessThanOrEqual(20);
    const record = await quarantined(messageId);
    expect(record.errors.length).toBeLessThanOrEqual(20);
  });

  it('quarantines an id whose index key is over 1,024 UTF-8 bytes though under 1,024 characters', async () => {
    const { text, messageId } = body('created', { body: { id: '€'.repeat(400) } });
    expectQuarantined(await postWebhook(test.url, text), /sort key of the by-state index/);
    expect((await quarantined(messageId)).errors[0].path).toBe('body.id');
  });

  it('quarantines an event whose integration item would outgrow DynamoDB (many scopes)', async () => {
    const scopes = Array.from({ length: 800 }, (_, i) => `scope-${i}-${'s'.repeat(90)}`);
    const { text, messageId } = body('accepted', {
      body: { id: 'limits-scopes', scopes, accessToken: TOKEN },
    });
    expectQuarantined(await postWebhook(test.url, text), /integration item/);
    const record = await quarantined(messageId);
    expect(JSON.stringify(record)).not.toContain(TOKEN);
    expect((await getIntegration(test.url, 'limits-scopes')).status).toBe(404);
  });

  it('quarantines a location id over 2,048 UTF-8 bytes, the by-location index key', async () => {
    const { text, messageId } = body('errored', {
      body: { id: 'limits-too-long-location', locationId: `loc-${'L'.repeat(30_000)}` },
    });
    expectQuarantined(await postWebhook(test.url, text), /index partition key/);
    expect((await quarantined(messageId)).errors[0].path).toBe('body.locationId');
  });

  it('applies an errored event with a long location id and delivers a bounded alert', async () => {
    // As long as the by-location index's partition key allows: far over an alert's quote.
    const locationId = `loc-${'L'.repeat(2_044)}`;
    const { text } = body('errored', { body: { id: 'limits-huge-location', locationId } });
    const answer = await postWebhook(test.url, text);
    expect(answer.json).toMatchObject({ status: 'accepted' });
    const view = await waitForView(
      test.url,
      'limits-huge-location',
      'ERROR',
      (candidate) => candidate.state === 'ERROR',
    );
    expect(view.locationId).toBe(locationId);
    const alert = await waitFor('the errored alert', async () =>
      test.alerts.find(
        (candidate) =>
          candidate.kind === 'integration-errored' &&
          candidate.integration?.id === 'limits-huge-location',
      ),
    );
    expect(alert.integration?.locationId?.length).toBeLessThanOrEqual(256);
  });

  it('quarantines JSON nested deeper than 64 levels', async () => {
    const { text, messageId } = body('created', { body: { id: 'limits-deep' } });
    const deep = text.replace(
      '"scopes":',
      `"nested":${'['.repeat(100_000)}${']'.repeat(100_000)},"scopes":`,
    );
    expectQuarantined(await postWebhook(test.url, deep), /nests deeper than 64/);
    await quarantined(messageId);
  });
});

describe('characters', () => {
  it('applies ids holding U+FFFE, U+FFFF and emoji exactly as received', async () => {
    const locationId = 'Entrepôt 📦 Lyon \ufffe\uffff';
    const { text } = body('created', { body: { id: 'limits-chars-📦', locationId } });
    expect((await postWebhook(test.url, text)).json).toMatchObject({ status: 'accepted' });
    const view = await waitForView(
      test.url,
      'limits-chars-📦',
      'PENDING',
      (candidate) => candidate.state === 'PENDING',
    );
    expect(view.locationId).toBe(locationId);
  });

  it('quarantines an id holding a lone surrogate rather than storing another id', async () => {
    const { text, messageId } = body('created', { body: { id: 'PLACEHOLDER' } });
    const escaped = text.replace('"PLACEHOLDER"', '"lone-\\ud800"');
    expectQuarantined(await postWebhook(test.url, escaped), /surrogate/);
    await quarantined(messageId);
  });
});

describe('dates', () => {
  it('applies an hour-only offset, normalised to UTC milliseconds', async () => {
    const { text } = body('created', {
      header: { date: '2024-06-10T11:00:00+02' },
      body: { id: 'limits-hour-offset' },
    });
    expect((await postWebhook(test.url, text)).json).toMatchObject({ status: 'accepted' });
    const view = await waitForView(
      test.url,
      'limits-hour-offset',
      'PENDING',
      (candidate) => candidate.state === 'PENDING',
    );
    expect(view.lastEventAt).toBe('2024-06-10T09:00:00.000Z');
  });

  it.each([
    ['a space before the offset', '2024-06-10T09:00:00 +02:00', /ISO 8601/],
    ['an impossible calendar date', '2024-02-30T09:00:00Z', /calendar date/],
    ['a date past year 9999 in UTC', '9999-12-31T23:30:00-01:00', /0001 to 9999/],
  ])('quarantines %s', async (_name, date, rule) => {
    const id = `limits-date-${++runs}`;
    const real = body('created', { header: { date: '2024-03-01T09:00:00Z' }, body: { id } });
    await postWebhook(test.url, real.text);
    const { text, messageId } = body('errored', { header: { date }, body: { id } });
    expectQuarantined(await postWebhook(test.url, text), rule);
    await quarantined(messageId);
    // Nothing collided with the real event of another day.
    const view = viewOf(await getIntegration(test.url, id));
    expect(view.state).toBe('PENDING');
    expect(view.history).toHaveLength(1);
  });
});

describe('ids', () => {
  it('keeps "ws-7" and " ws-7 " apart', async () => {
    await postWebhook(test.url, body('created', { body: { id: 'ws-7' } }).text);
    await postWebhook(test.url, body('errored', { body: { id: ' ws-7 ' } }).text);
    await waitFor('both integrations', async () =>
      (await integrationItem(' ws-7 ')) && (await integrationItem('ws-7')) ? true : undefined,
    );
    expect(Object.keys((await integrationItem('ws-7')) ?? {})).toContain('created');
    expect(Object.keys((await integrationItem('ws-7')) ?? {})).not.toContain('errored');
    expect(Object.keys((await integrationItem(' ws-7 ')) ?? {})).toContain('errored');
  });

  it('quarantines a whitespace-only id', async () => {
    const { text, messageId } = body('created', { body: { id: '   ' } });
    expectQuarantined(await postWebhook(test.url, text), /not only whitespace/);
    await quarantined(messageId);
  });
});

describe('tokens', () => {
  it.each([
    ['a number', 739_182_736_451, '739182736451'],
    ['an object', { value: TOKEN }, TOKEN],
    ['an array', [TOKEN], TOKEN],
  ])('never leak a token that is %s', async (_name, accessToken, secret) => {
    const { text, messageId } = body('accepted', {
      body: { id: `limits-tok-${++runs}`, accessToken },
    });
    const answer = await postWebhook(test.url, text);
    expectQuarantined(answer, /body\.accessToken/);
    expect(answer.text).not.toContain(secret);
    const record = await quarantined(messageId);
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(test.alerts)).not.toContain(secret);
    expect(test.lines.join('\n')).not.toContain(secret);
  });

  it('never leaks a token from malformed JSON around it', async () => {
    const { text, messageId } = body('accepted', {
      body: { id: 'limits-broken', accessToken: TOKEN },
    });
    const broken = text.replace(`"accessToken":"${TOKEN}"`, `"accessToken": ${TOKEN}, "x": }`);
    const answer = await postWebhook(test.url, broken);
    expectQuarantined(answer, /invalid JSON/);
    const record = await quarantined(messageId);
    expect(JSON.stringify(record)).not.toContain(TOKEN);
    expect(JSON.stringify(test.alerts)).not.toContain(TOKEN);
    expect(test.lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('the local HTTP shell', () => {
  it.each(['/integrations/%E0%A4%A', '/integrations/%ZZ'])(
    'answers 400 to a malformed percent-encoding (%s)',
    async (path) => {
      const answer = await request(test.url, { path, method: 'GET' });
      expect(answer.status).toBe(400);
    },
  );

  it('answers 400 to a request whose header cannot be parsed', async () => {
    const { hostname, port } = new URL(test.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write('GET /health HTTP/1.1\r\nHost: local\r\nBad Header: x\r\n\r\n');
      });
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});
