import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import { integrationErroredAlert } from '../../functions/alerting/domain/content.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { applyToRegisters, type Registers } from '../../functions/core/state.ts';
import { historyEntryOf, integrationView } from '../../functions/core/view.ts';
import { DAY_SECONDS } from '../../functions/definitions/expiry.ts';
import {
  alertHeadKey,
  alertIncidentKey,
  alertMessageKey,
} from '../../functions/definitions/table-keys.ts';
import { NOW, uniqueId } from '../contracts/support.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { lifecycleEvent } from '../support/events.ts';

/**
 * What the contract cannot see of the DynamoDB ledger: the items it leaves (size, expiry), and
 * that AWS errors other than a refused condition reach the caller.
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
  // Random text: the ledger compresses alerts, and repeated characters would vanish.
  facts: [{ label: 'detail', value: randomBytes(padding).toString('base64').slice(0, padding) }],
  actions: [],
});

/** An errored alert as the processor builds it from the documented samples' shape. */
const erroredAlert = (): Alert => {
  const id = uniqueId('integration');
  const events = (['created', 'accepted', 'errored'] as const).map((step, hour) =>
    lifecycleEvent(step, { id, date: `2024-06-10T0${hour + 7}:00:00.000Z` }),
  );
  let registers: Registers = {};
  for (const event of events) registers = applyToRegisters(registers, event).registers;
  const history = events.map((event) => historyEntryOf(event, event.header.date));
  const view = integrationView(id, { id, registers, hasAccessToken: false }, history);
  const errored = events[2];
  if (!view || !errored) throw new Error('no view for the sample events');
  return integrationErroredAlert(errored, view);
};

/**
 * An item's size as DynamoDB bills it: attribute names plus values (UTF-8 strings, binary
 * bytes; numbers counted as their decimal digits, more than DynamoDB's ~1 byte per 2 digits).
 */
const itemBytes = (stored: Record<string, unknown>): number =>
  Object.entries(stored).reduce((sum, [name, value]) => {
    const size =
      typeof value === 'string'
        ? Buffer.byteLength(value, 'utf8')
        : value instanceof Uint8Array
          ? value.byteLength
          : typeof value === 'number'
            ? String(value).length
            : 1;
    return sum + Buffer.byteLength(name, 'utf8') + size;
  }, 0);

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
    expect(head?.groupKey).toBe(groupKey);
  });

  it('keeps a typical errored alert in a one-write-unit item, through every write', async () => {
    const alert = erroredAlert();
    const integrationId = alert.integration?.id ?? '';
    const groupKey = `integration-errored|${alert.organizationId}|${alert.integration?.fulfillmentServiceId}`;
    const by = {
      eventId: `${NOW.toISOString()}#location/fulfillment_service_integration/accepted`,
      at: NOW,
    };
    await ledger.record(groupKey, alert, { recordedAt: NOW.toISOString(), expiresAt: 1 });
    expect(await ledger.collect({ groupKey, seq: 1 }, { assign: true })).toEqual([alert]);
    expect(await ledger.resolve(groupKey, integrationId, by)).toEqual([alert]);
    const stored = await item(alertIncidentKey(groupKey, integrationId, alert.incidentKey));
    expect(stored?.resolvedBy).toBe(by.eventId);
    expect(Buffer.byteLength(JSON.stringify(alert), 'utf8')).toBeGreaterThan(2_000);
    expect(itemBytes(stored ?? {})).toBeLessThanOrEqual(1_024);
  });

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
