import * as v from 'valibot';
import { IntegrationFilterSchema, QuarantineFilterSchema } from '../../functions/core/fleet.ts';
import { OPS_ROUTES } from '../../functions/definitions/routes.ts';
import {
  DeadLettersAnswer,
  IntegrationViewAnswer,
  QuarantineDetailAnswer,
  RedriveStartedAnswer,
  ReplayAnswer,
  ReplayRefusedAnswer,
} from '../../functions/ops/routes/answers.ts';
import type { Observation } from '../../functions/reconciler/findings.ts';
import { OpsError } from './client.ts';
import { type Command, check, listCommand, needId } from './command.ts';
import { fields, table } from './format.ts';
import { HAPPYCOLIS_COMMANDS } from './happycolis-commands.ts';
import { INTEGRATION_VIEW_ROUTE } from './routes.ts';

/**
 * The operator CLI's commands, one entry each: `npm run ops -- <name> …`. Adding a command is
 * adding an entry here (and its route in `OPS_ROUTES`); the usage text is derived from this table.
 */

const integrationsList = listCommand({
  route: OPS_ROUTES.listIntegrations,
  filterSchema: IntegrationFilterSchema,
  filters: {
    state: 'state',
    organization: 'organizationId',
    location: 'locationId',
    service: 'fulfillmentServiceId',
  },
  columns: [
    ['ID', 'id'],
    ['STATE', 'state'],
    ['ORGANIZATION', 'organizationId'],
    ['LOCATION', 'locationId'],
    ['SERVICE', 'fulfillmentServiceId'],
    ['LAST EVENT', 'lastEventAt'],
  ],
  optionalColumns: [
    ['HAPPYCOLIS', 'reconciliation.state'],
    ['RECONCILED', 'reconciliation.finding'],
  ],
  noun: 'integration(s)',
});

const observedLine = (observed: Observation): string =>
  `${observed.finding}: ${observed.integrationId === null ? 'no integration at the location' : `${observed.integrationId} ${observed.state}`} (checked ${observed.observedAt}${observed.disagreeingSince ? `, disagreeing since ${observed.disagreeingSince}` : ''})`;

const integrationsShow: Command = {
  route: INTEGRATION_VIEW_ROUTE,
  args: '<id>',
  run: async (context) => {
    const id = needId(context, 'integrations show');
    const view = await context.call(INTEGRATION_VIEW_ROUTE, IntegrationViewAnswer, { id });
    context.out(
      view,
      () =>
        `${fields([
          ['id', view.id],
          ['state', view.state],
          ['organization', view.organizationId],
          ['location', view.locationId],
          ['service', view.fulfillmentServiceId],
          ['token held', view.hasAccessToken],
          ['last event', `${view.lastEventType ?? '-'} at ${view.lastEventAt ?? '-'}`],
          ...(view.reconciliation
            ? [['at HappyColis', observedLine(view.reconciliation)] as const]
            : []),
        ])}\n\n${table(
          [
            ['DATE', 'date'],
            ['TYPE', 'type'],
            ['OUTCOME', 'outcome'],
            ['MESSAGE ID', 'messageId'],
          ],
          view.history,
        )}`,
    );
    return 0;
  },
};

const quarantineShow: Command = {
  route: OPS_ROUTES.showQuarantine,
  args: '<id>',
  run: async (context) => {
    const id = needId(context, 'quarantine show');
    const detail = await context.call(OPS_ROUTES.showQuarantine, QuarantineDetailAnswer, { id });
    context.out(detail, () =>
      [
        fields([
          ['id', detail.id],
          ['source', detail.source],
          ['received', detail.receivedAt],
          ['replayed', detail.replayedAt ?? 'no'],
          ...(detail.payloadTruncated
            ? [['payload', `excerpt of ${detail.payloadTruncated.bytes} bytes`] as const]
            : []),
        ]),
        '',
        table(
          [
            ['PATH', 'path'],
            ['ERROR', 'message'],
          ],
          detail.errors,
          200,
        ),
        '',
        'payload (tokens redacted):',
        detail.payload,
      ].join('\n'),
    );
    return 0;
  },
};

const quarantineReplay: Command = {
  route: OPS_ROUTES.replayQuarantine,
  args: '<id>',
  run: async (context) => {
    const id = needId(context, 'quarantine replay');
    const answer = await context.request(OPS_ROUTES.replayQuarantine, { id });
    if (answer.status === 422) {
      const refused = v.parse(ReplayRefusedAnswer, answer.body);
      context.printError(
        context.values.json
          ? JSON.stringify(answer.body, null, 2)
          : [
              `not replayed: ${refused.message}`,
              ...(refused.errors ?? []).map((error) => `  ${error.path}: ${error.message}`),
            ].join('\n'),
      );
      return 1;
    }
    const result = v.parse(ReplayAnswer, check(answer, OPS_ROUTES.replayQuarantine).body);
    context.out(answer.body, () =>
      [
        result.status === 'replayed'
          ? `replayed: queued as ${result.queueMessageId}`
          : `already replayed${result.replayedAt ? ` at ${result.replayedAt}` : ''}: nothing sent again`,
        ...(result.notes ?? []).map((note) => `note: ${note}`),
      ].join('\n'),
    );
    return 0;
  },
};

const dlqShow: Command = {
  route: OPS_ROUTES.showDeadLetters,
  options: ['sample'],
  run: async (context) => {
    const dlq = await context.call(OPS_ROUTES.showDeadLetters, DeadLettersAnswer, {
      query: { sample: context.values.sample },
    });
    context.out(dlq, () =>
      [
        fields([
          ['messages', dlq.count],
          [
            'oldest (of sample)',
            dlq.expiry
              ? `${dlq.oldestSentAt} (first sent ${dlq.expiry.oldestAgeDays} days ago; SQS deletes it in ${dlq.expiry.daysLeft} days, at ${dlq.expiry.expiresAt})`
              : (dlq.oldestSentAt ?? '-'),
          ],
          ['last redrive', `${dlq.redrive.status} (${dlq.redrive.moved} moved)`],
        ]),
        ...(dlq.sample.length
          ? [
              '',
              table(
                [
                  ['SQS MESSAGE ID', 'sqsMessageId'],
                  ['SENT', 'sentAt'],
                  ['RECEIVES', 'receiveCount'],
                  ['WHAT', 'summary'],
                  ['WHY', 'diagnosis'],
                ],
                dlq.sample,
                140,
              ),
            ]
          : []),
      ].join('\n'),
    );
    return 0;
  },
};

const dlqRedrive: Command = {
  route: OPS_ROUTES.redriveDeadLetters,
  options: ['rate', 'no-wait'],
  run: async (context) => {
    const { values } = context;
    const started = await context.call(OPS_ROUTES.redriveDeadLetters, RedriveStartedAnswer, {
      query: { rate: values.rate },
    });
    if (values['no-wait']) {
      context.out(started, () => 'redrive started; follow it with `npm run ops -- dlq show`');
      return 0;
    }
    if (!values.json) context.print('redrive started');
    for (;;) {
      const progress = await context.call(OPS_ROUTES.showDeadLetters, DeadLettersAnswer, {
        query: { sample: '0' },
      });
      const { status, moved, toMove, failureReason } = progress.redrive;
      if (!values.json) {
        context.print(
          `${status.toLowerCase()}: ${moved}${toMove === undefined ? '' : `/${toMove}`} moved, ${progress.count} left in the DLQ`,
        );
      }
      if (status !== 'RUNNING') {
        if (values.json) {
          context.print(
            JSON.stringify({ count: progress.count, redrive: progress.redrive }, null, 2),
          );
        }
        if (status === 'FAILED') {
          throw new OpsError(`redrive failed: ${failureReason ?? 'no reason given'}`);
        }
        return 0;
      }
      await context.sleep(1000);
    }
  },
};

/** Every command, by the words that name it. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  'integrations list': integrationsList,
  'integrations show': integrationsShow,
  'quarantine list': listCommand({
    route: OPS_ROUTES.listQuarantine,
    filterSchema: QuarantineFilterSchema,
    filters: { source: 'source' },
    columns: [
      ['ID', 'id'],
      ['SOURCE', 'source'],
      ['RECEIVED', 'receivedAt'],
    ],
    noun: 'quarantined payload(s)',
  }),
  'quarantine show': quarantineShow,
  'quarantine replay': quarantineReplay,
  'notices list': listCommand({
    route: OPS_ROUTES.listNotices,
    filterSchema: v.object({}),
    filters: {},
    columns: [
      ['RECEIVED', 'receivedAt'],
      ['CODE', 'code'],
      ['ENDPOINT', 'endpoint'],
      ['MESSAGE', 'message'],
    ],
    noun: 'notice(s)',
  }),
  'dlq show': dlqShow,
  'dlq redrive': dlqRedrive,
  ...HAPPYCOLIS_COMMANDS,
};
