import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { alertSubject } from '../../functions/alerting/channels/email.ts';
import { slackAlertMessage } from '../../functions/alerting/channels/slack.ts';
import {
  deliveryErrorAlert,
  integrationErroredAlert,
  integrationRejectedAlert,
  integrationResolvedAlert,
  integrationStuckPendingAlert,
  quarantinedAlert,
} from '../../functions/alerting/domain/content.ts';
import { alertText } from '../../functions/alerting/domain/plain-text.ts';
import {
  InvalidNotificationError,
  parseNotification,
} from '../../functions/alerting/notifier/notification.ts';
import { type Alert, AlertSchema } from '../../functions/core/alerts.ts';
import type { IntegrationEvent } from '../../functions/core/events.ts';
import { applyToRegisters, type Registers } from '../../functions/core/state.ts';
import { historyEntryOf, integrationView } from '../../functions/core/view.ts';
import { lifecycleEvent } from '../support/events.ts';

/** The single alert a queue body carries (an alarm, or a v1 alert). */
const alertOf = (body: string): Alert => {
  const notification = parseNotification(body);
  if (notification.kind !== 'alert') throw new Error('expected a single alert');
  return notification.alert;
};

const TOKEN = 'tok_SECRET_123';
const ID = 'r9s0t1u2-v3w4-5678-xyza-901234567890';
const ORG = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const LOCATION = 'j1k2l3m4-n5o6-7890-pqrs-123456789012';
const SERVICE = 's0t1u2v3-w4x5-6789-yzab-012345678901';

const created = lifecycleEvent('created', { date: '2024-06-10T09:00:00.000Z', accessToken: TOKEN });
const accepted = lifecycleEvent('accepted', {
  date: '2024-06-10T10:00:00.000Z',
  accessToken: TOKEN,
});
const rejected = lifecycleEvent('rejected', {
  date: '2024-06-10T11:45:00.000Z',
  accessToken: TOKEN,
});
const errored = lifecycleEvent('errored', { date: '2024-06-11T14:00:00.000Z', accessToken: TOKEN });

/** The view the processor builds, from events in arrival order. */
const viewOf = (events: readonly IntegrationEvent[]) => {
  let registers: Registers = {};
  for (const event of events) registers = applyToRegisters(registers, event).registers;
  const history = events.map((event, index) =>
    historyEntryOf(event, `2024-06-12T00:00:0${index}.000Z`),
  );
  const view = integrationView(ID, { id: ID, registers, hasAccessToken: true }, history);
  if (!view) throw new Error('no view');
  return view;
};

/** Every way an alert is shown to a person. */
const renderings = (alert: Alert) => ({
  json: JSON.stringify(alert),
  subject: alertSubject(alert),
  text: alertText(alert),
  slack: JSON.stringify(slackAlertMessage(alert)),
});

const alarm = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    AlarmName: 'integration-events-dlq-not-empty',
    AlarmDescription: 'Messages in the processor DLQ',
    AWSAccountId: '123456789012',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 1 datapoint [3.0] was greater than or equal to the threshold (1.0).',
    StateChangeTime: '2024-06-11T14:05:00.000+0000',
    Region: 'EU (Paris)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-3:123456789012:alarm:integration-events-dlq-not-empty',
    OldStateValue: 'OK',
    Trigger: {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ value: 'integration-events-dlq', name: 'QueueName' }],
      Threshold: 1,
    },
    ...overrides,
  });

const allAlerts = (): Alert[] => {
  const history = [created, accepted, errored];
  return [
    integrationErroredAlert(errored, viewOf(history)),
    integrationRejectedAlert(rejected, viewOf([created, rejected])),
    integrationStuckPendingAlert({
      view: viewOf([created]),
      createdAt: created.header.date,
      thresholdHours: 24,
      now: new Date('2024-06-11T10:30:00.000Z'),
    }),
    quarantinedAlert({
      id: 'abc123',
      source: 'happycolis',
      receivedAt: '2024-06-12T00:00:00.000Z',
      errors: [{ path: 'header.date', message: 'must be an ISO 8601 timestamp with a time zone' }],
    }),
    deliveryErrorAlert({
      id: 'def456',
      receivedAt: '2024-06-12T00:00:00.000Z',
      notice: {
        code: '503',
        endpoint: 'https://example.test/webhooks',
        message: 'Service Unavailable',
      },
    }),
    alertOf(alarm()),
  ];
};

describe('alert content', () => {
  it('builds a valid alert of every kind, never carrying the token in any rendering', () => {
    const alerts = allAlerts();
    expect(alerts.map((alert) => alert.kind)).toEqual([
      'integration-errored',
      'integration-rejected',
      'integration-stuck-pending',
      'quarantined',
      'delivery-error',
      'dead-letters',
    ]);
    for (const alert of alerts) {
      expect(v.is(AlertSchema, alert)).toBe(true);
      for (const [name, output] of Object.entries(renderings(alert))) {
        expect(output, `${alert.kind} ${name}`).not.toContain(TOKEN);
      }
    }
  });

  it('says what errored, where, where it stands now, and to reassign in-flight orders', () => {
    const alert = integrationErroredAlert(errored, viewOf([created, accepted, errored]));
    expect(alert).toMatchObject({
      severity: 'critical',
      organizationId: ORG,
      incidentKey: `${ID}|location/fulfillment_service_integration/errored|2024-06-11T14:00:00.000Z`,
      integration: {
        id: ID,
        organizationId: ORG,
        locationId: LOCATION,
        fulfillmentServiceId: SERVICE,
        state: 'ERROR',
        stateSince: '2024-06-11T14:00:00.000Z',
      },
    });
    expect(alert.integration?.recentHistory.map((line) => line.type.split('/').pop())).toEqual([
      'errored',
      'accepted',
      'created',
    ]);
    expect(alert.actions.join(' ')).toMatch(/reassign delivery orders/i);
    expect(alert.actions.join(' ')).toMatch(/provider/i);

    const text = alertText(alert);
    expect(text).toContain(`Organization:         ${ORG}`);
    expect(text).toContain(`Location:             ${LOCATION}`);
    expect(text).toContain(`Fulfillment service:  ${SERVICE}`);
    expect(text).toContain(`Integration:          ${ID}`);
    expect(text).toContain('Current state:        ERROR since 2024-06-11T14:00:00.000Z');
    expect(text).toContain(
      '2024-06-10T10:00:00.000Z  location/fulfillment_service_integration/accepted  (applied)',
    );
    expect(text).toMatch(/What to do:\n {2}1\. Investigate/);
  });

  it('notes when the integration has moved on since the reported event', () => {
    const late = lifecycleEvent('accepted', { date: '2024-06-12T08:00:00.000Z', messageId: 'm-2' });
    const alert = integrationErroredAlert(errored, viewOf([created, errored, late]));
    expect(alert.integration?.state).toBe('ACTIVE');
    expect(alert.summary).toContain('now ACTIVE (since 2024-06-12T08:00:00.000Z)');
    expect(integrationErroredAlert(errored, viewOf([created, errored])).summary).not.toContain(
      'Note:',
    );
  });

  it('tells a rejection to be followed by a new integration after contacting the provider', () => {
    const alert = integrationRejectedAlert(rejected, viewOf([created, rejected]));
    expect(alert).toMatchObject({
      kind: 'integration-rejected',
      severity: 'warning',
      integration: { state: 'INACTIVE', stateSince: '2024-06-10T11:45:00.000Z' },
    });
    const actions = alert.actions.join(' ');
    expect(actions).toMatch(/contact the fulfillment service provider/i);
    expect(actions).toMatch(/create a new integration/i);
    expect(alertSubject(alert)).toBe(
      `[WARNING] Fulfillment integration rejected at location ${LOCATION}`,
    );
  });

  it('reports a stuck PENDING integration with its age and the threshold, keyed by its created event', () => {
    const alert = integrationStuckPendingAlert({
      view: viewOf([created]),
      createdAt: created.header.date,
      thresholdHours: 24,
      now: new Date('2024-06-11T10:30:00.000Z'),
    });
    expect(alert).toMatchObject({
      kind: 'integration-stuck-pending',
      severity: 'warning',
      incidentKey: `${ID}|stuck-pending|2024-06-10T09:00:00.000Z`,
      title: `Fulfillment integration pending for 25 h at location ${LOCATION}`,
      integration: { state: 'PENDING' },
    });
    expect(alert.summary).toContain('threshold 24 h');
    expect(alert.actions.join(' ')).toMatch(/blocked/);
  });

  it('tells that a reported errored integration is ACTIVE again, with what resolved it and when it errored', () => {
    const back = lifecycleEvent('accepted', {
      date: '2024-06-11T15:30:00.000Z',
      messageId: 'm-back',
      accessToken: TOKEN,
    });
    const reported = integrationErroredAlert(errored, viewOf([created, accepted, errored]));
    const alert = integrationResolvedAlert({
      reported,
      event: back,
      view: viewOf([created, accepted, errored, back]),
    });
    expect(v.is(AlertSchema, alert)).toBe(true);
    expect(alert).toMatchObject({
      kind: 'integration-resolved',
      severity: reported.severity,
      incidentKey: `resolved|${reported.incidentKey}`,
      occurredAt: '2024-06-11T15:30:00.000Z',
      organizationId: ORG,
      title: `Resolved: fulfillment integration at location ${LOCATION} is ACTIVE again`,
      integration: {
        id: ID,
        fulfillmentServiceId: SERVICE,
        state: 'ACTIVE',
        stateSince: '2024-06-11T15:30:00.000Z',
      },
    });
    expect(alert.facts).toEqual([
      { label: 'Resolved by', value: 'location/fulfillment_service_integration/accepted' },
      { label: 'Resolved at', value: '2024-06-11T15:30:00.000Z' },
      { label: 'Errored at', value: '2024-06-11T14:00:00.000Z' },
      { label: 'Reported incident', value: reported.incidentKey },
    ]);
    expect(alert.actions).toEqual([
      'Nothing to do; check that delivery orders reassigned during the outage are routed back if wanted.',
    ]);
    expect(
      integrationResolvedAlert({
        reported: { ...reported, severity: 'warning' },
        event: back,
        view: viewOf([created, back]),
      }).severity,
    ).toBe('warning');
    for (const [name, output] of Object.entries(renderings(alert))) {
      expect(output, name).not.toContain(TOKEN);
    }
    expect(slackAlertMessage(alert).blocks?.[0]).toMatchObject({
      text: { text: expect.stringMatching(/^:white_check_mark: Resolved: /) },
    });
  });

  it('says PENDING again when a later created event resolves it', () => {
    const reported = integrationErroredAlert(errored, viewOf([created, errored]));
    const again = lifecycleEvent('created', { date: '2024-06-11T16:00:00.000Z', messageId: 'm-3' });
    const alert = integrationResolvedAlert({
      reported,
      event: again,
      view: viewOf([created, errored, again]),
    });
    expect(alert.title).toBe(
      `Resolved: fulfillment integration at location ${LOCATION} is PENDING again`,
    );
  });

  it('keeps subjects on one line and under the SNS limit', () => {
    const long = lifecycleEvent('errored', { date: '2024-06-11T14:00:00.000Z' });
    const alert = integrationErroredAlert(
      { ...long, body: { ...long.body, locationId: `loc\r\n${'x'.repeat(200)}` } },
      viewOf([created, errored]),
    );
    const subject = alertSubject(alert);
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.startsWith('[CRITICAL] Fulfillment integration errored at location loc x')).toBe(
      true,
    );
    expect(subject.endsWith('...')).toBe(true);
  });
});

describe('slack rendering', () => {
  it('lays out header, integration fields, recent history, actions and context', () => {
    const alert = integrationErroredAlert(errored, viewOf([created, accepted, errored]));
    const message = slackAlertMessage(alert);
    const blocks = message.blocks ?? [];
    expect(blocks.map((block) => block.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'section',
      'context',
    ]);
    const json = JSON.stringify(blocks);
    expect(json).toContain(
      `:rotating_light: Fulfillment integration errored at location ${LOCATION}`,
    );
    for (const value of [ORG, LOCATION, SERVICE, ID]) expect(json).toContain(`\`${value}\``);
    expect(json).toContain('*State*\\nERROR since 2024-06-11T14:00:00.000Z');
    expect(json).toContain('*accepted*  (applied)');
    expect(json).toContain('*What to do*\\n1. Investigate');
    expect(json).toContain(`incident \`${alert.incidentKey}\``);
    expect(message.text).toBe(`[CRITICAL] ${alert.title}: ${alert.summary}`);
  });

  it('escapes sender data so it cannot mention or link', () => {
    const alert = deliveryErrorAlert({
      id: 'x',
      receivedAt: '2024-06-12T00:00:00.000Z',
      notice: { code: '1', endpoint: '<!channel>', message: 'a & b <https://evil.test|click>' },
    });
    const { text, blocks = [] } = slackAlertMessage(alert);
    // The header is plain_text, which Slack never parses for mentions or links.
    const rendered = JSON.stringify([text, blocks.filter((block) => block.type !== 'header')]);
    expect(rendered).not.toContain('<!channel>');
    expect(rendered).not.toContain('<https://evil.test');
    expect(rendered).toContain('&lt;!channel&gt;');
    expect(rendered).toContain('a &amp; b');
  });

  it('stays within Block Kit limits for long content', () => {
    const alert = quarantinedAlert({
      id: 'q',
      source: 'happycolis',
      receivedAt: '2024-06-12T00:00:00.000Z',
      errors: Array.from({ length: 30 }, (_, index) => ({
        path: `body.field${index}`,
        message: 'y'.repeat(5000),
      })),
    });
    const blocks = slackAlertMessage({
      ...alert,
      title: 't'.repeat(500),
      summary: 's'.repeat(5000),
    }).blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) {
      if (block.type === 'header') expect(block.text?.text.length).toBeLessThanOrEqual(150);
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
    }
  });
});

describe('notifications on the Slack queue', () => {
  it('reads our alert JSON, also inside an SNS envelope', () => {
    const alert = integrationErroredAlert(errored, viewOf([created, errored]));
    expect(parseNotification(JSON.stringify(alert))).toEqual({ kind: 'alert', alert });
    const envelope = { Type: 'Notification', MessageId: 'x', Message: JSON.stringify(alert) };
    expect(parseNotification(JSON.stringify(envelope))).toEqual({ kind: 'alert', alert });
  });

  it('renders the CloudWatch DLQ alarm as a dead-letters alert, one incident per state change', () => {
    const alert = alertOf(alarm());
    expect(alert).toMatchObject({
      kind: 'dead-letters',
      severity: 'critical',
      incidentKey:
        'dead-letters|integration-events-dlq-not-empty|ALARM|2024-06-11T14:05:00.000+0000',
      title: 'Messages are waiting in dead-letter queue integration-events-dlq',
    });
    expect(alert.actions.join(' ')).toMatch(/redrive/i);
    expect(alert.facts).toContainEqual({ label: 'State', value: 'OK -> ALARM' });

    const ok = alertOf(alarm({ NewStateValue: 'OK', OldStateValue: 'ALARM' }));
    expect(ok.severity).toBe('warning');
    expect(ok.incidentKey).not.toBe(alert.incidentKey);
  });

  it('refuses anything else without repeating the body', () => {
    const body = JSON.stringify({ secret: TOKEN });
    expect(() => parseNotification(body)).toThrow(InvalidNotificationError);
    try {
      parseNotification(body);
    } catch (error) {
      expect(String(error)).not.toContain(TOKEN);
    }
    expect(() => parseNotification('not json')).toThrow(InvalidNotificationError);
  });
});
