import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { DAY_SECONDS } from '../../functions/definitions/expiry.ts';
import {
  alertGroupPk,
  alertHeadKey,
  alertIncidentKey,
  alertMessageKey,
} from '../../functions/definitions/table-keys.ts';
import { NOW, uniqueId } from '../contracts/support.ts';
import { startAws, type TestAws } from '../support/aws.ts';

/**
 * What the contract cannot see of the DynamoDB ledger: the items it leaves (size, expiry), that
 * a large group really spans several Query pages, and that AWS errors other than a refused
 * condition reach the caller.
 */

const RETENTION_DAYS = 90;
let aws: TestAws;
let ledger: DynamoAlertLedger;

beforeAll(async () => {
  aws = await startAws();
  ledger = new DynamoAlertLedger({
    client: aws.clients.document,
    tableName: aws.resources.tableName,
    retentionDays: RETENTION_DAYS,
  });
});
afterAll(() => aws?.stop());

const anAlert = (incidentKey: string, padding = 0): Alert => ({
  version: 1,
  kind: 'quarantined',
  severity: 'warning',
  incidentKey,
  occurredAt: NOW.toISOString(),
  organizationId: null,
  title: 'Payload quarantined',
  summary: 'An authentic payload failed validation.',
  facts: [{ label: 'detail', value: 'x'.repeat(padding) }],
  actions: [],
});

const item = async (key: { pk: string; sk: string }) =>
  (
    await aws.clients.document.send(
      new GetCommand({ TableName: aws.resources.tableName, Key: key, ConsistentRead: true }),
    )
  ).Item;

const retained = Math.floor(NOW.getTime() / 1000) + RETENTION_DAYS * DAY_SECONDS;

describe('DynamoAlertLedger items', () => {
  it('gives every item an expiry at least the retention away, the incident a small item', async () => {
    const groupKey = uniqueId('quarantined|none');
    const alert = anAlert(uniqueId('incident'), 1_000);
    // The caller's expiry is in the past: the ledger keeps the incident for its retention anyway.
    await ledger.record(groupKey, alert, { recordedAt: NOW.toISOString(), expiresAt: 1 });
    await ledger.arm(groupKey, NOW);
    await ledger.claim({ groupKey, seq: 1 }, 'email', NOW, 1_000);

    const incident = await item(alertIncidentKey(groupKey, undefined, alert.incidentKey));
    const head = await item(alertHeadKey(groupKey));
    const message = await item(alertMessageKey(groupKey, 1));
    for (const stored of [incident, head, message]) {
      expect(stored?.expiresAt).toBe(retained);
    }
    // Key, alert and bookkeeping: the alert's own size plus a few hundred bytes.
    const alertBytes = Buffer.byteLength(JSON.stringify(alert), 'utf8');
    expect(Buffer.byteLength(JSON.stringify(incident), 'utf8')).toBeLessThan(alertBytes + 400);
    expect(head?.groupKey).toBe(groupKey);
  });

  it('reads a group that spans several Query pages whole', async () => {
    const groupKey = uniqueId('quarantined|none');
    const alerts = Array.from({ length: 300 }, (_, index) =>
      anAlert(`incident-${String(index).padStart(3, '0')}`, 3_600),
    );
    for (let start = 0; start < alerts.length; start += 25) {
      await Promise.all(
        alerts
          .slice(start, start + 25)
          .map((alert) =>
            ledger.record(groupKey, alert, { recordedAt: NOW.toISOString(), expiresAt: 1 }),
          ),
      );
    }
    const firstPage = await aws.clients.document.send(
      new QueryCommand({
        TableName: aws.resources.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': alertGroupPk(groupKey) },
        ConsistentRead: true,
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    expect(firstPage.Items?.length).toBeLessThan(300);

    expect(await ledger.collect({ groupKey, seq: 1 }, { assign: true })).toHaveLength(300);
    expect(await ledger.collect({ groupKey, seq: 1 }, { assign: false })).toHaveLength(300);
    expect(await ledger.collect({ groupKey, seq: 2 }, { assign: true })).toHaveLength(0);
  }, 60_000);

  it('passes on errors other than a refused condition', async () => {
    const missing = new DynamoAlertLedger({
      client: aws.clients.document,
      tableName: 'no-such-table',
      retentionDays: RETENTION_DAYS,
    });
    const ref = { groupKey: 'g', seq: 1 };
    const timing = { recordedAt: NOW.toISOString(), expiresAt: 1 };
    const calls: (() => Promise<unknown>)[] = [
      () => missing.record('g', anAlert('k'), timing),
      () => missing.head('g'),
      () => missing.arm('g', NOW),
      () => missing.beginFlush('g', NOW, 1_000),
      () => missing.collect(ref, { assign: true }),
      () => missing.open(ref, NOW),
      () => missing.close(ref),
      () => missing.endFlush('g'),
      () => missing.claim(ref, 'slack', NOW, 1_000),
      () => missing.markSent(ref, 'slack', 'token', NOW),
      () => missing.resolve('g', 'i', { eventId: 'e', at: NOW }),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    }
  });
});
