import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import { DynamoPaceGate } from '../../functions/adapters/dynamo-pace-gate.ts';
import {
  TEAMS_INTERVAL_MS,
  TEAMS_MESSAGE_MAX_BYTES,
  teamsChannel,
} from '../../functions/alerting/channels/teams.ts';
import { jsonWebhook } from '../../functions/alerting/channels/webhook.ts';
import { deliveryErrorAlert } from '../../functions/alerting/domain/content.ts';
import { groupMessageOf } from '../../functions/alerting/domain/group-message.ts';
import { createNotifier, type NotifierDeps } from '../../functions/alerting/notifier/notifier.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { alertMessageKey } from '../../functions/definitions/table-keys.ts';
import { adaptiveCardProblems } from '../support/adaptive-cards.ts';
import { type TestAws as AlertEmulators, startAws as startAlertEmulators } from '../support/aws.ts';
import { startTeamsStandIn, type TeamsStandIn } from '../support/webhook-stand-in.ts';

/**
 * The notifier over the Teams channel, against a stand-in Workflows webhook over real HTTP
 * (202 for a post it takes, 413 over 28 KB, 429 beyond 4 requests a second) and the alert
 * ledger in the emulated table.
 */

let aws: AlertEmulators;
let teams: TeamsStandIn;
let ledger: DynamoAlertLedger;

beforeAll(async () => {
  [aws, teams] = await Promise.all([startAlertEmulators(), startTeamsStandIn()]);
  ledger = new DynamoAlertLedger({
    client: aws.clients.document,
    tableName: aws.resources.tableName,
    retentionDays: 90,
  });
});
afterAll(async () => {
  await teams?.close();
  await aws?.stop();
});
beforeEach(() => {
  teams.requests.length = 0;
});

let sequence = 0;
/** A distinct incident per call, so tests never see each other's ledger entries. */
const anAlert = (): Alert =>
  deliveryErrorAlert({
    id: `teams-notice-${++sequence}-${Date.now()}`,
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
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:teams-alerts',
  awsRegion: 'us-east-1',
});
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const notifier = (overrides: Partial<Omit<NotifierDeps<unknown>, 'channel'>> = {}) =>
  createNotifier({ channel: teamsChannel(jsonWebhook('Teams', teams.url)), ledger, ...overrides });

/** Whether the ledger holds message `seq` of `groupKey` as sent on Teams. */
const sentOnTeams = async (groupKey: string, seq = 1): Promise<boolean> => {
  const { Item } = await aws.clients.document.send(
    new GetCommand({
      TableName: aws.resources.tableName,
      Key: alertMessageKey(groupKey, seq),
      ConsistentRead: true,
    }),
  );
  return Item?.teamsState === 'sent';
};

const cardOf = (post: { body: { attachments?: { contentType: string; content: unknown }[] } }) => {
  const [attachment] = post.body.attachments ?? [];
  expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachment?.content;
};

/** `count` errored integrations of one service, as one group message. */
const outage = (count: number) => {
  const alerts: Alert[] = Array.from({ length: count }, (_, index) => {
    const id = `a0b1c2d3-${String(index).padStart(4, '0')}-4e5f-8a9b-0c1d2e3f4a5b`;
    return {
      version: 1,
      kind: 'integration-errored',
      severity: 'critical',
      incidentKey: `${id}|errored|2024-06-11T14:00:${String(index % 60).padStart(2, '0')}.000Z`,
      occurredAt: `2024-06-11T14:00:${String(index % 60).padStart(2, '0')}.000Z`,
      organizationId: 'org-teams',
      title: 'errored',
      summary: 'errored',
      integration: {
        id,
        organizationId: 'org-teams',
        locationId: `f0e1d2c3-${String(index).padStart(4, '0')}-4b5a-9c8d-7e6f5a4b3c2d`,
        fulfillmentServiceId: 'fs-teams',
        state: 'ERROR',
        stateSince: '2024-06-11T14:00:00.000Z',
        recentHistory: [],
      },
      facts: [],
      actions: [],
    };
  });
  return groupMessageOf({
    groupKey: `integration-errored|org-teams|fs-teams-${++sequence}`,
    seq: 1,
    alerts,
  });
};

describe('teams notifier', () => {
  it('posts an Adaptive Card 1.4 that Microsoft’s library reads without a problem, once', async () => {
    const alert = anAlert();
    const body = JSON.stringify(alert);
    const result = await notifier()(batch(record(body), record(body)));
    expect(result.batchItemFailures).toEqual([]);
    expect(teams.posts()).toHaveLength(1);
    const post = teams.posts()[0];
    if (!post) throw new Error('no post');
    expect(post.status).toBe(202);
    expect(post.body).toMatchObject({ type: 'message' });
    const card = cardOf(post);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(post.raw).toContain(alert.title);
    expect(await sentOnTeams(`single|${alert.incidentKey}`)).toBe(true);
  });

  it('lists what fits of a 500-integration outage within 28 KB, counting the rest', async () => {
    const message = outage(500);
    const result = await notifier()(batch(record(JSON.stringify(message))));
    expect(result.batchItemFailures).toEqual([]);
    expect(teams.requests.map((request) => request.status)).toEqual([202]);
    const post = teams.posts()[0];
    if (!post) throw new Error('no post');
    expect(Buffer.byteLength(post.raw)).toBeLessThanOrEqual(TEAMS_MESSAGE_MAX_BYTES);
    expect(adaptiveCardProblems(cardOf(post))).toEqual([]);
    const listed = new Set(post.raw.match(/a0b1c2d3-\d{4}-4e5f-8a9b-0c1d2e3f4a5b/g));
    const more = Number(/…and (\d+) more/.exec(post.raw)?.[1]);
    expect(listed.size).toBeGreaterThan(100);
    expect(listed.size + more).toBe(500);
    expect(post.raw).toContain('npm run ops -- integrations list --state ERROR');
    expect(await sentOnTeams(message.groupKey)).toBe(true);
  });

  it('waits out a 429 for its Retry-After, then posts', async () => {
    teams.script({ status: 429, headers: { 'retry-after': '1' } });
    const message = outage(3);
    const result = await notifier({ limits: { minIntervalMs: 0 } })(
      batch(record(JSON.stringify(message))),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(teams.requests.map((request) => request.status)).toEqual([429, 202]);
    const [limited, posted] = teams.requests;
    expect((posted?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(await sentOnTeams(message.groupKey)).toBe(true);
  });

  it('never draws a 429 from Teams: posts stay within its 4 requests a second', async () => {
    const records = Array.from({ length: 6 }, () => record(JSON.stringify(anAlert())));
    const pace = new DynamoPaceGate({
      client: aws.clients.document,
      tableName: aws.resources.tableName,
      channel: 'teams',
    });
    const result = await notifier({ pace })(batch(...records));
    expect(result.batchItemFailures).toEqual([]);
    expect(teams.requests.map((request) => request.status)).toEqual(Array(6).fill(202));
    const times = teams.requests.map((request) => request.at);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(TEAMS_INTERVAL_MS - 50);
    }
  }, 20_000);

  it('answers a 413 with the compact card, so the group is still reported', async () => {
    teams.script({ status: 413, body: 'Request Entity Too Large' });
    const message = outage(40);
    const result = await notifier({ limits: { minIntervalMs: 0 } })(
      batch(record(JSON.stringify(message))),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(teams.requests.map((request) => request.status)).toEqual([413, 202]);
    const [refused, compact] = teams.requests;
    expect(Buffer.byteLength(compact?.raw ?? '')).toBeLessThan(
      Buffer.byteLength(refused?.raw ?? ''),
    );
    expect(compact?.raw).toContain('…and 40 more: npm run ops -- integrations list');
    expect(adaptiveCardProblems(cardOf(compact ?? { body: {} }))).toEqual([]);
    expect(await sentOnTeams(message.groupKey)).toBe(true);
  });

  it('fails the record on a 500, for SQS to retry', async () => {
    teams.script({ status: 500 });
    const message = outage(2);
    await expect(notifier()(batch(record(JSON.stringify(message))))).rejects.toBeInstanceOf(
      FullBatchFailureError,
    );
    expect(await sentOnTeams(message.groupKey)).toBe(false);
  });
});
