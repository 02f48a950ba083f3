import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSlackPostLedger } from '../../functions/adapters/dynamo-slack-post-ledger.ts';
import { deliveryErrorAlert } from '../../functions/core/alert-content.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { createIncomingWebhook } from '../../functions/slack-notifier/incoming-webhook.ts';
import {
  createSlackNotifier,
  type SlackNotifierDeps,
} from '../../functions/slack-notifier/slack-notifier.ts';
import { type TestAws as AlertEmulators, startAws as startAlertEmulators } from '../support/aws.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.ts';

let aws: AlertEmulators;
let slack: SlackStandIn;
let ledger: DynamoSlackPostLedger;

beforeAll(async () => {
  [aws, slack] = await Promise.all([startAlertEmulators(), startSlackStandIn()]);
  ledger = new DynamoSlackPostLedger({
    client: aws.clients.document,
    tableName: aws.resources.tableName,
    retentionDays: 90,
  });
});
afterAll(async () => {
  await slack?.close();
  await aws?.stop();
});
beforeEach(() => {
  slack.requests.length = 0;
});

let sequence = 0;
/** A distinct incident per call, so tests never see each other's ledger entries. */
const anAlert = (): Alert =>
  deliveryErrorAlert({
    id: `notice-${++sequence}-${Date.now()}`,
    receivedAt: '2024-06-12T00:00:00.000Z',
    notice: { code: '503', endpoint: 'https://receiver.test/webhooks', message: 'Unavailable' },
  });

const record = (body: string, messageId = `sqs-${++sequence}`): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 'sns',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:slack-alerts',
  awsRegion: 'us-east-1',
});
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const notifier = (overrides: Partial<SlackNotifierDeps> = {}) =>
  createSlackNotifier({ webhook: createIncomingWebhook(slack.url), ledger, ...overrides });

describe('slack notifier', () => {
  it('posts Block Kit with a text fallback and records the incident', async () => {
    const alert = anAlert();
    const result = await notifier()(batch(record(JSON.stringify(alert))));
    expect(result.batchItemFailures).toEqual([]);
    expect(slack.posts()).toHaveLength(1);
    const body = slack.posts()[0]?.body;
    expect(body?.text).toBe(`[CRITICAL] ${alert.title}: ${alert.summary}`);
    expect(body?.blocks?.map((block) => block.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'context',
    ]);
    expect(JSON.stringify(body?.blocks)).toContain(`incident \`${alert.incidentKey}\``);
    expect(await ledger.wasPosted(alert.incidentKey)).toBe(true);
  });

  it('waits out a 429 for its Retry-After, then posts', async () => {
    slack.script({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' });
    const alert = anAlert();
    // No spacing of its own, so the wait seen below can only come from Retry-After.
    const result = await notifier({ minIntervalMs: 0 })(batch(record(JSON.stringify(alert))));
    expect(result.batchItemFailures).toEqual([]);
    expect(slack.requests.map((request) => request.status)).toEqual([429, 200]);
    const [limited, posted] = slack.requests;
    expect((posted?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(await ledger.wasPosted(alert.incidentKey)).toBe(true);
  });

  it('fails the record when Slack keeps asking to wait longer than allowed', async () => {
    slack.script({ status: 429, headers: { 'retry-after': '120' } });
    const alert = anAlert();
    const item = record(JSON.stringify(alert));
    const result = await notifier()(batch(item));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: item.messageId }]);
    expect(slack.requests).toHaveLength(1);
    expect(await ledger.wasPosted(alert.incidentKey)).toBe(false);
  });

  it('fails the record on a 500, and the retry posts it once', async () => {
    slack.script({ status: 500 });
    const alert = anAlert();
    const item = record(JSON.stringify(alert));
    const handle = notifier();
    expect((await handle(batch(item))).batchItemFailures).toEqual([
      { itemIdentifier: item.messageId },
    ]);
    expect(await ledger.wasPosted(alert.incidentKey)).toBe(false);

    // SQS redelivers the same message; then once more, as if the delete had been lost.
    expect((await handle(batch(item))).batchItemFailures).toEqual([]);
    expect((await handle(batch(item))).batchItemFailures).toEqual([]);
    expect(slack.requests.map((request) => request.status)).toEqual([500, 200]);
  });

  it('fails the record when Slack cannot be reached', async () => {
    const alert = anAlert();
    const item = record(JSON.stringify(alert));
    const unreachable = createIncomingWebhook('http://127.0.0.1:9/services/T/B/X');
    const result = await notifier({ webhook: unreachable })(batch(item));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: item.messageId }]);
    expect(await ledger.wasPosted(alert.incidentKey)).toBe(false);
  });

  it('posts an incident once, whatever the redelivery or re-publish, across containers', async () => {
    const alert = anAlert();
    const body = JSON.stringify(alert);
    // A re-publish after a processor crash arrives as a new SQS message with the same alert.
    const first = await notifier()(batch(record(body), record(body)));
    expect(first.batchItemFailures).toEqual([]);
    // A new container has no memory of its own: the ledger in DynamoDB decides.
    const second = await notifier()(batch(record(body)));
    expect(second.batchItemFailures).toEqual([]);
    expect(slack.posts()).toHaveLength(1);
  });

  it('spaces posts at least a second apart', async () => {
    const result = await notifier()(
      batch(record(JSON.stringify(anAlert())), record(JSON.stringify(anAlert()))),
    );
    expect(result.batchItemFailures).toEqual([]);
    const [first, second] = slack.posts();
    expect(slack.posts()).toHaveLength(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('fails an unreadable record alone, so the DLQ keeps it, and posts the rest', async () => {
    const bad = record('{"not":"an alert"}');
    const good = record(JSON.stringify(anAlert()));
    const result = await notifier()(batch(bad, good));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(slack.posts()).toHaveLength(1);
  });

  it('posts the CloudWatch DLQ alarm as a dead-letters alert', async () => {
    const alarm = {
      AlarmName: `dlq-not-empty-${Date.now()}`,
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed',
      StateChangeTime: '2024-06-11T14:05:00.000+0000',
      OldStateValue: 'OK',
      Trigger: { Dimensions: [{ name: 'QueueName', value: 'integration-events-dlq' }] },
    };
    const result = await notifier()(batch(record(JSON.stringify(alarm))));
    expect(result.batchItemFailures).toEqual([]);
    const { raw } = slack.posts()[0] ?? { raw: '' };
    expect(raw).toContain('Messages are waiting in dead-letter queue integration-events-dlq');
    expect(raw).toContain('kind `dead-letters`');
  });
});
