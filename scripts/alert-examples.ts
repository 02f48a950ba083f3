import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  alertSubject,
  messageSubject,
  snsMessageOf,
} from '../functions/alerting/channels/email.ts';
import {
  deadLettersAlert,
  deliveryErrorAlert,
  integrationErroredAlert,
  integrationRejectedAlert,
  integrationResolvedAlert,
  integrationStuckPendingAlert,
  quarantinedAlert,
} from '../functions/alerting/domain/content.ts';
import { groupMessageOf, singleAlertMessage } from '../functions/alerting/domain/group-message.ts';
import { groupKeyOf } from '../functions/alerting/domain/grouping.ts';
import { alertText, groupMessageText } from '../functions/alerting/domain/plain-text.ts';
import { CHANNEL_FACTORIES } from '../functions/alerting/notifier/channels.ts';
import type { Alert, GroupMessage } from '../functions/core/alerts.ts';
import {
  integrationDriftAlert,
  integrationDriftResolvedAlert,
} from '../functions/core/drift-alert.ts';
import { type IntegrationEvent, parseWebhook } from '../functions/core/events.ts';
import { applyToRegisters, type Registers } from '../functions/core/state.ts';
import { historyEntryOf, integrationView } from '../functions/core/view.ts';
import { CHAT_CHANNEL_NAMES, CHAT_CHANNELS } from '../functions/definitions/alert-channels.ts';
import { SAMPLE_EVENTS, type SampleEvent, sampleText } from '../lib/local/samples.ts';

/**
 * `docs/alerts.md`: one example of every alert kind as each channel shows it, rendered by the
 * same builders the functions use, from the documented samples. A test compares the page with
 * a fresh rendering, so the examples cannot drift from the code.
 *
 *   npm run docs:alerts           rewrite the page
 */

export const ALERT_EXAMPLES_PAGE = fileURLToPath(new URL('../docs/alerts.md', import.meta.url));

const sampleEvent = async (name: SampleEvent): Promise<IntegrationEvent> => {
  const parsed = parseWebhook(await sampleText(name));
  if (!parsed.success || parsed.value.kind !== 'lifecycle') {
    throw new Error(`the documented ${name} sample no longer validates`);
  }
  return parsed.value.event;
};

/** The view the processor builds after these events, received one second apart. */
const viewAfter = (events: readonly IntegrationEvent[]) => {
  let registers: Registers = {};
  for (const event of events) registers = applyToRegisters(registers, event).registers;
  const [first] = events;
  if (!first) throw new Error('a view needs at least one event');
  const id = first.body.id;
  const history = events.map((event, index) =>
    historyEntryOf(event, new Date(Date.parse(event.header.date) + 1_000 + index).toISOString()),
  );
  const view = integrationView(id, { id, registers, hasAccessToken: false }, history);
  if (!view) throw new Error('no view for the sample events');
  return view;
};

const chatSections = (message: GroupMessage, posted: boolean): string[] =>
  CHAT_CHANNEL_NAMES.flatMap((name) => {
    const { format, asText, asPosted } = CHANNEL_FACTORIES[name].example;
    const { label } = CHAT_CHANNELS[name];
    return [
      `${label} (${format}, shown as text):`,
      '',
      fence(asText(message)),
      '',
      ...(posted
        ? [`${label} (${format} JSON, as posted):`, '', jsonFence(asPosted(message)), '']
        : []),
    ];
  });

const samples = async () =>
  Object.fromEntries(
    await Promise.all(SAMPLE_EVENTS.map(async (name) => [name, await sampleEvent(name)] as const)),
  ) as Record<SampleEvent, IntegrationEvent>;

/** `event` again, `minutes` after `after`, under a new message id. */
const later = (
  event: IntegrationEvent,
  after: IntegrationEvent,
  minutes: number,
  messageId: string,
): IntegrationEvent => ({
  ...event,
  header: {
    ...event.header,
    messageId,
    date: new Date(Date.parse(after.header.date) + minutes * 60_000).toISOString(),
  },
});

/** `event` for another integration and location of the same organization and service. */
const forIntegration = (
  event: IntegrationEvent,
  id: string,
  locationId: string,
  seconds: number,
): IntegrationEvent => ({
  ...event,
  header: {
    ...event.header,
    messageId: `${event.header.messageId.slice(0, -4)}${id.slice(-4)}`,
    date: new Date(Date.parse(event.header.date) + seconds * 1_000).toISOString(),
  },
  body: { ...event.body, id, locationId },
});

/** A disagreement the reconciler found at `index` of the samples' organization. */
const driftIncident = (
  index: number,
  sinceMinutes: number,
): Parameters<typeof integrationDriftAlert>[0] => {
  const integration = [
    {
      id: 'r9s0t1u2-v3w4-5678-xyza-901234567890',
      locationId: 'j1k2l3m4-n5o6-7890-pqrs-123456789012',
    },
    ...NEIGHBOURS,
  ][index] ?? { id: 'none', locationId: 'none' };
  const since = new Date(Date.parse('2024-06-12T09:00:00.000Z') + sinceMinutes * 60_000);
  return {
    finding: {
      kind: 'drift',
      integrationId: integration.id,
      locationId: integration.locationId,
      organizationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      fulfillmentServiceId: 's0t1u2v3-w4x5-6789-yzab-012345678901',
      ourState: 'ACTIVE',
      theirIntegrationId: integration.id,
      theirState: 'ERROR',
    },
    incidentKey: `drift|${integration.id}|${since.toISOString()}`,
    since: since.toISOString(),
    observedAt: '2024-06-12T10:00:04.000Z',
  };
};

/** One alert of every kind, from the documented samples where there is one. */
const exampleAlerts = async (): Promise<{ readonly when: string; readonly alert: Alert }[]> => {
  const { created, accepted, rejected, errored } = await samples();
  const reactivated = later(accepted, errored, 45, 'v3w4x5y6-z7a8-9012-bcde-345678901234');
  const alarm = {
    alarmName: 'FulfillmentWebhooks-prod-ProcessorDeadLetters',
    description: 'Messages in the processor DLQ',
    previousState: 'OK',
    reason:
      'Threshold Crossed: 1 datapoint [3.0 (12/06/24 08:25:00)] was greater than or equal to the threshold (1.0).',
    stateChangeTime: '2024-06-12T08:26:10.123+0000',
    region: 'EU (Paris)',
    accountId: '123456789012',
    queueName: 'FulfillmentWebhooks-prod-EventsDlq',
  };
  return [
    {
      when: 'the documented `errored` sample, after `created` and `accepted`',
      alert: integrationErroredAlert(errored, viewAfter([created, accepted, errored])),
    },
    {
      when: 'an `accepted` 45 minutes after the documented `errored` sample, which was reported',
      alert: integrationResolvedAlert({
        reported: integrationErroredAlert(errored, viewAfter([created, accepted, errored])),
        event: reactivated,
        view: viewAfter([created, accepted, errored, reactivated]),
      }),
    },
    {
      when: 'the documented `rejected` sample, after `created`',
      alert: integrationRejectedAlert(rejected, viewAfter([created, rejected])),
    },
    {
      when: 'the documented `created` sample, still PENDING 25 hours later',
      alert: integrationStuckPendingAlert({
        view: viewAfter([created]),
        createdAt: created.header.date,
        thresholdHours: 24,
        now: new Date(Date.parse(created.header.date) + 25 * 60 * 60 * 1000),
      }),
    },
    {
      when: 'a platform posts `{"code": 503, "endpoint": …, "message": "Service Unavailable"}`',
      alert: deliveryErrorAlert({
        id: '4f1c7a0e',
        receivedAt: '2024-06-12T07:58:03.512Z',
        notice: {
          code: '503',
          endpoint: 'https://hooks.example.com/webhooks/happycolis',
          message: 'Service Unavailable',
        },
      }),
    },
    {
      when: 'an authentic payload whose `header.date` has no time zone',
      alert: quarantinedAlert({
        id: '9b2e5d41',
        source: 'happycolis',
        receivedAt: '2024-06-12T08:01:44.020Z',
        errors: [
          { path: 'header.date', message: 'must be an ISO 8601 timestamp with a time zone' },
        ],
      }),
    },
    {
      when: 'a reconcile sweep finds HappyColis says ERROR where our events say ACTIVE, for longer than the grace period',
      alert: integrationDriftAlert(driftIncident(0, 0)),
    },
    {
      when: 'a later sweep finds both sides agree again',
      alert: integrationDriftResolvedAlert({
        ...driftIncident(0, 0),
        finding: { ...driftIncident(0, 0).finding, ourState: 'ERROR', kind: 'agreement' },
      }),
    },
    {
      when: 'the processor DLQ alarm fires',
      alert: deadLettersAlert({ ...alarm, newState: 'ALARM' }),
    },
    {
      when: 'the same alarm returns to OK',
      alert: deadLettersAlert({
        ...alarm,
        previousState: 'ALARM',
        newState: 'OK',
        reason:
          'Threshold Crossed: 1 datapoint [0.0 (12/06/24 09:40:00)] was not greater than or equal to the threshold (1.0).',
        stateChangeTime: '2024-06-12T09:41:10.482+0000',
      }),
    },
  ];
};

/** Other integrations of the samples' organization and fulfillment service. */
const NEIGHBOURS = [
  {
    id: 'w4x5y6z7-a8b9-0123-cdef-456789012345',
    locationId: 'k2l3m4n5-o6p7-8901-qrst-234567890123',
  },
  {
    id: 'x5y6z7a8-b9c0-1234-defa-567890123456',
    locationId: 'l3m4n5o6-p7q8-9012-rstu-345678901234',
  },
] as const;

/** Grouped messages: one provider outage errors three integrations, which then recover. */
const exampleGroupMessages = async (): Promise<
  { readonly when: string; readonly message: GroupMessage }[]
> => {
  const { created, accepted, errored } = await samples();
  const integrations = [
    { created, accepted, errored },
    ...NEIGHBOURS.map(({ id, locationId }, index) => ({
      created: forIntegration(created, id, locationId, index + 1),
      accepted: forIntegration(accepted, id, locationId, index + 1),
      errored: forIntegration(errored, id, locationId, 7 * (index + 1)),
    })),
  ];
  const reported = integrations.map((events) => ({
    events,
    alert: integrationErroredAlert(
      events.errored,
      viewAfter([events.created, events.accepted, events.errored]),
    ),
  }));
  const resolved = reported.map(({ events, alert }, index) => {
    const back = later(
      events.accepted,
      events.errored,
      40 + index,
      `y6z7a8b9-c0d1-2345-efab-67890123456${index}`,
    );
    return integrationResolvedAlert({
      reported: alert,
      event: back,
      view: viewAfter([events.created, events.accepted, events.errored, back]),
    });
  });
  const [first] = reported;
  const [firstResolved] = resolved;
  if (!first || !firstResolved) throw new Error('no grouped example');
  return [
    {
      when: 'three integrations of one fulfillment service error within 15 seconds (one group window)',
      message: groupMessageOf({
        groupKey: groupKeyOf(first.alert),
        seq: 1,
        alerts: reported.map(({ alert }) => alert),
      }),
    },
    {
      when: 'the same three integrations are accepted again after the outage',
      message: groupMessageOf({ groupKey: groupKeyOf(firstResolved), seq: 1, alerts: resolved }),
    },
    (() => {
      const drifts = [0, 1, 2].map((index) =>
        integrationDriftAlert(driftIncident(index, index * 4)),
      );
      const [firstDrift] = drifts;
      if (!firstDrift) throw new Error('no drift example');
      return {
        when: 'a reconcile sweep finds three integrations of one organization disagreeing with HappyColis (its webhook queue is probably blocked)',
        message: groupMessageOf({ groupKey: groupKeyOf(firstDrift), seq: 1, alerts: drifts }),
      };
    })(),
  ];
};

const fence = (text: string): string => `\`\`\`text\n${text}\n\`\`\``;
const jsonFence = (value: unknown): string =>
  `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

/** The whole page, as `docs/alerts.md` must hold it. */
export const renderAlertExamples = async (): Promise<string> => {
  const sections = (await exampleAlerts()).map(({ when, alert }) =>
    [
      `## \`${alert.kind}\` (${alert.severity}${alert.kind === 'dead-letters' && alert.severity === 'warning' ? ', back to OK' : ''})`,
      '',
      `When: ${when}.`,
      '',
      ...chatSections(singleAlertMessage(alert), false),
      'Email:',
      '',
      fence(`Subject: ${alertSubject(alert)}\n\n${alertText(alert)}`),
    ].join('\n'),
  );
  const messages = (await exampleGroupMessages()).map(({ when, message }) => {
    const { subject } = snsMessageOf(message);
    return [
      `### \`${message.groupKey}\` (${message.status}, ${message.total} incidents)`,
      '',
      `When: ${when}.`,
      '',
      ...chatSections(message, true),
      'Email:',
      '',
      fence(`Subject: ${subject}\n\n${groupMessageText(message)}`),
    ].join('\n');
  });
  // The subject the publisher sends is the one rendered here.
  for (const { message } of await exampleGroupMessages()) {
    if (snsMessageOf(message).subject !== messageSubject(message)) {
      throw new Error('the SNS subject of a group message differs from its rendering');
    }
  }
  return [
    '# Alert examples',
    '',
    '<!-- Generated by `npm run docs:alerts` from the alert builders; a test fails when it is stale. -->',
    '',
    `Every alert kind as ${CHAT_CHANNEL_NAMES.map((name) => CHAT_CHANNELS[name].label).join(', ')} and email show it, rendered by the code that sends them. What each`,
    'kind means and when it is raised: README, "Alerts".',
    '',
    ...sections.flatMap((section) => [section, '']),
    '## Grouped messages',
    '',
    'Incidents of one group (kind, organization and, for integrations, fulfillment service) are',
    'reported together: one message after the group window, then follow-ups at most once per group',
    'interval. A message covering one incident reads exactly as above; one covering several lists',
    'them, and a recovered integration is reported in the group of resolved notices.',
    '',
    ...messages.flatMap((section) => [section, '']),
  ].join('\n');
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const page = await renderAlertExamples();
  const current = await readFile(ALERT_EXAMPLES_PAGE, 'utf8').catch(() => '');
  if (current === page) {
    console.log(`${ALERT_EXAMPLES_PAGE} is up to date`);
  } else {
    await writeFile(ALERT_EXAMPLES_PAGE, page);
    console.log(`wrote ${ALERT_EXAMPLES_PAGE}`);
  }
}
