import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import { DynamoPaceGate } from '../../functions/adapters/dynamo-pace-gate.ts';
import { slackChannel } from '../../functions/alerting/channels/slack.ts';
import {
  createIncomingWebhook,
  type SlackWebhook,
} from '../../functions/alerting/channels/slack-webhook.ts';
import { deliveryErrorAlert } from '../../functions/alerting/domain/content.ts';
import { groupMessageOf } from '../../functions/alerting/domain/group-message.ts';
import { createNotifier, type NotifierDeps } from '../../functions/alerting/notifier/notifier.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { alertMessageKey, paceKey } from '../../functions/definitions/table-keys.ts';
import { type TestAws as AlertEmulators, startAws as startAlertEmulators } from '../support/aws.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/webhook-stand-in.ts';

let aws: AlertEmulators;
let slack: SlackStandIn;
let ledger: DynamoAlertLedger;

beforeAll(async () => {
  [aws, slack] = await Promise.all([startAlertEmulators(), startSlackStandIn()]);
  ledger = new DynamoAlertLedger({
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

/** Whether the ledger holds the alert's message as posted to Slack (read, not claimed). */
const wasPosted = async (alert: Alert): Promise<boolean> => {
  const { Item } = await aws.clients.document.send(
    new GetCommand({
      TableName: aws.resources.tableName,
      Key: alertMessageKey(`single|${alert.incidentKey}`, 1),
      ConsistentRead: true,
    }),
  );
  return Item?.slackState === 'sent';
};

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

type Overrides = Partial<Omit<NotifierDeps<unknown>, 'channel'>> & {
  readonly webhook?: SlackWebhook;
  readonly minIntervalMs?: number;
};

/** The notifier over the Slack channel; `minIntervalMs` overrides the channel's pace. */
const notifier = ({ webhook, minIntervalMs, ...overrides }: Overrides = {}) =>
  createNotifier({
    channel: slackChannel(webhook ?? createIncomingWebhook(slack.url)),
    ledger,
    ...(minIntervalMs === undefined ? {} : { limits: { minIntervalMs } }),
    ...overrides,
  });

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
    expect(await wasPosted(alert)).toBe(true);
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
    expect(await wasPosted(alert)).toBe(true);
  });

  it('fails the record when Slack keeps asking to wait longer than allowed', async () => {
    slack.script({ status: 429, headers: { 'retry-after': '120' } });
    const alert = anAlert();
    const item = record(JSON.stringify(alert));
    // Every record of the batch failed: Powertools throws, and Lambda retries the whole batch.
    await expect(notifier()(batch(item))).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(slack.requests).toHaveLength(1);
    expect(await wasPosted(alert)).toBe(false);
  });

  it('fails the record on a 500, and the retry posts it once', async () => {
    slack.script({ status: 500 });
    const alert = anAlert();
    const item = record(JSON.stringify(alert));
    // A claim that failed to post is taken over once its lease ends (short here).
    const handle = notifier({ leaseMs: 100 });
    // Every record of the batch failed: Powertools throws, and Lambda retries the whole batch.
    await expect(handle(batch(item))).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(await wasPosted(alert)).toBe(false);
    // Before the lease ends, a redelivery leaves it to the claim's holder.
    await expect(handle(batch(item))).rejects.toBeInstanceOf(FullBatchFailureError);
    await new Promise((resolve) => setTimeout(resolve, 150));

    // SQS redelivers the same message; then once more, as if the delete had been lost.
    expect((await handle(batch(item))).batchItemFailures).toEqual([]);
    expect((await handle(batch(item))).batchItemFailures).toEqual([]);
    expect(slack.requests.map((request) => request.status)).toEqual([500, 200]);
  });

  it('fails the record when Slack cannot be reached', async () => {
    const alert = anAlert();
    const item = record(JSON.stringify(alert));
    const unreachable = createIncomingWebhook('http://127.0.0.1:9/services/T/B/X');
    // Every record of the batch failed: Powertools throws, and Lambda retries the whole batch.
    await expect(notifier({ webhook: unreachable })(batch(item))).rejects.toBeInstanceOf(
      FullBatchFailureError,
    );
    expect(await wasPosted(alert)).toBe(false);
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

  it('posts a message of an alert group once, claimed in the ledger under its group and number', async () => {
    const alerts = [anAlert(), anAlert(), anAlert()];
    const digest = groupMessageOf({ groupKey: `test|group-${++sequence}`, seq: 1, alerts });
    const body = JSON.stringify(digest);
    const result = await notifier()(batch(record(body), record(body)));
    expect(result.batchItemFailures).toEqual([]);
    expect(await notifier()(batch(record(body)))).toEqual({ batchItemFailures: [] });
    expect(slack.posts()).toHaveLength(1);
    const { Item } = await aws.clients.document.send(
      new GetCommand({
        TableName: aws.resources.tableName,
        Key: alertMessageKey(digest.groupKey, 1),
        ConsistentRead: true,
      }),
    );
    expect(Item?.slackState).toBe('sent');
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

describe('slack pace across containers', () => {
  const gate = () =>
    new DynamoPaceGate({
      client: aws.clients.document,
      tableName: aws.resources.tableName,
      channel: 'slack',
    });
  const gaps = () => {
    const times = slack
      .posts()
      .map((post) => post.at)
      .sort((a, b) => a - b);
    return times.slice(1).map((at, index) => at - (times[index] ?? at));
  };
  const alerts = (count: number) =>
    Array.from({ length: count }, () => record(JSON.stringify(anAlert())));

  it('never lets two containers sharing the gate post less than a second apart', async () => {
    // Two cold containers, as the queue mapping's maximum concurrency of 2 allows, each
    // with its own in-memory spacing and a batch of its own, started at the same moment.
    const first = notifier({ pace: gate() });
    const second = notifier({ pace: gate() });
    const results = await Promise.all([first(batch(...alerts(3))), second(batch(...alerts(3)))]);
    expect(results.map((result) => result.batchItemFailures)).toEqual([[], []]);
    expect(slack.posts()).toHaveLength(6);
    // The slot is claimed a full second apart; the HTTP hop to the stand-in and a loaded
    // machine add some jitter on either side.
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(950);
  }, 20_000);

  it('is what keeps them apart: without it two containers post at once', async () => {
    const results = await Promise.all([
      notifier()(batch(...alerts(1))),
      notifier()(batch(...alerts(1))),
    ]);
    expect(results.map((result) => result.batchItemFailures)).toEqual([[], []]);
    expect(gaps()).toHaveLength(1);
    expect(gaps()[0]).toBeLessThan(500);
  });

  it("holds every container to one container's Retry-After", async () => {
    const now = Date.now();
    await gate().deferUntil(new Date(now + 3_000));
    // A later, shorter Retry-After never shortens the wait.
    await gate().deferUntil(new Date(now + 1_000));
    const claim = await gate().claim(new Date(now + 1_500), 1_000);
    expect(claim).toEqual({ granted: false, nextPostAt: now + 3_000 });
    expect(await gate().claim(new Date(now + 3_000), 1_000)).toEqual({ granted: true });
  });

  it('fails the record, for SQS to retry, when no slot comes free in time', async () => {
    await gate().deferUntil(new Date(Date.now() + 60_000));
    const item = record(JSON.stringify(anAlert()));
    // Every record of the batch failed: Powertools throws, and Lambda retries the whole batch.
    await expect(
      notifier({ pace: gate(), maxPaceWaitMs: 500 })(batch(item)),
    ).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(slack.posts()).toHaveLength(0);
    // Leave the slot free for whoever runs next.
    await aws.clients.document.send(
      new UpdateCommand({
        TableName: aws.resources.tableName,
        Key: paceKey('slack'),
        UpdateExpression: 'SET nextPostAt = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  });
});
