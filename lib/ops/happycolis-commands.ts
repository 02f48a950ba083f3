import * as v from 'valibot';
import { OPS_ROUTES, ROUTES } from '../../functions/definitions/routes.ts';
import {
  ReconcileAnswer,
  ReconcileRefusedAnswer,
  SubscribeAnswer,
  SubscriptionsAnswer,
  SweepAnswer,
  UnsubscribeAnswer,
} from '../../functions/ops/routes/answers.ts';
import type { Finding } from '../../functions/reconciler/findings.ts';
import type { Sweep, Unchecked } from '../../functions/reconciler/sweep-state.ts';
import { OpsError } from './client.ts';
import { type Command, check } from './command.ts';
import { fields, table } from './format.ts';

/** The commands that work with HappyColis's API, through the stage's operator routes. */

/** How long `reconcile` waits for another run holding the sweep before giving up. */
const BUSY_WAIT_MS = 10_000;
const BUSY_TRIES = 12;

const SUBSCRIPTION_COLUMNS = [
  ['TYPE', 'type'],
  ['ID', 'id'],
  ['ENDPOINT', 'endpoint'],
  ['HEALTH', 'health'],
  ['CREATED', 'createdAt'],
  ['HEADERS', 'headers'],
] as const;

const subscriptionRows = (items: readonly { headerNames: readonly string[] }[]) =>
  items.map((item) => ({ ...item, headers: item.headerNames.join(', ') || '-' }));

const sweepFields = (sweep: Sweep) =>
  fields([
    ['sweep', `${sweep.sweepId} (${sweep.trigger}, ${sweep.runs} run(s))`],
    ['started', sweep.startedAt],
    ['finished', sweep.finishedAt ?? 'not yet'],
    [
      'locations',
      `${sweep.counts.checked} checked of ${sweep.counts.locations}, ${sweep.counts.unchecked} not checked`,
    ],
    [
      'findings',
      `${sweep.counts.agreement} agreement, ${sweep.counts.drift} drift, ${sweep.counts['unknown-integration']} unknown integration, ${sweep.counts.disconnected} disconnected`,
    ],
    ['alerts', `${sweep.counts.alerted} raised, ${sweep.counts.resolved} resolved`],
    ['requests', `${sweep.counts.requests} to HappyColis (${sweep.counts.throttled} answered 429)`],
  ]);

const reconcileCommand: Command = {
  route: OPS_ROUTES.reconcile,
  run: async (context) => {
    const { values } = context;
    const findings: Finding[] = [];
    const unchecked: Unchecked[] = [];
    let sweep: Sweep | undefined;
    let busy = 0;
    for (;;) {
      const answer = await context.request(OPS_ROUTES.reconcile, {
        query: { sweep: sweep?.sweepId },
      });
      if (answer.status === 409) {
        const refused = v.parse(ReconcileRefusedAnswer, answer.body);
        if (refused.error !== 'busy' || ++busy > BUSY_TRIES) throw new OpsError(refused.message);
        if (!values.json) context.printError(`${refused.message} (waiting)`);
        await context.sleep(BUSY_WAIT_MS);
        continue;
      }
      const report = v.parse(ReconcileAnswer, check(answer, OPS_ROUTES.reconcile).body);
      findings.push(...report.findings);
      unchecked.push(...report.unchecked);
      sweep = report.sweep;
      const { counts } = sweep;
      if (!values.json && report.status === 'running') {
        context.printError(
          `checked ${counts.checked + counts.unchecked} of ${counts.locations} locations…`,
        );
      }
      if (report.status === 'done') break;
    }
    const disagreements = findings.filter((finding) => finding.kind !== 'agreement');
    context.out({ sweep, findings, unchecked }, () =>
      [
        sweepFields(sweep),
        ...(disagreements.length > 0
          ? [
              '',
              table(
                [
                  ['FINDING', 'kind'],
                  ['INTEGRATION', 'integrationId'],
                  ['LOCATION', 'locationId'],
                  ['OURS', 'ourState'],
                  ['HAPPYCOLIS', 'theirState'],
                  ['HAPPYCOLIS INTEGRATION', 'theirIntegrationId'],
                ],
                disagreements,
              ),
            ]
          : []),
        ...(unchecked.length > 0
          ? [
              '',
              'not checked:',
              table(
                [
                  ['LOCATION', 'locationId'],
                  ['ORGANIZATION', 'organizationId'],
                  ['WHY', 'reason'],
                ],
                unchecked,
                160,
              ),
            ]
          : []),
      ].join('\n'),
    );
    return unchecked.length > 0 ? 1 : 0;
  },
};

/** `--header Name=Value`, repeated: the custom headers HappyColis will send. */
const headersOf = (list: readonly string[] | undefined): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const entry of list ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new OpsError(`--header ${entry.split('=')[0]}: expected Name=Value`);
    headers[entry.slice(0, at).trim()] = entry.slice(at + 1);
  }
  return headers;
};

const subscribeCommand: Command = {
  route: OPS_ROUTES.subscribe,
  options: ['endpoint', 'header', 'organization'],
  run: async (context) => {
    const { values } = context;
    const endpoint = values.endpoint ?? new URL(ROUTES.happycolis, context.baseUrl).href;
    const answer = await context.request(OPS_ROUTES.subscribe, {
      body: {
        endpoint,
        headers: headersOf(values.header),
        ...(values.organization ? { organizationId: values.organization } : {}),
      },
    });
    const result = v.parse(
      SubscribeAnswer,
      answer.status === 502 ? answer.body : check(answer, OPS_ROUTES.subscribe).body,
    );
    context.out(result, () =>
      [
        `endpoint: ${result.endpoint}`,
        `${result.created.length} subscription(s) created, ${result.existing.length} already there`,
        table(SUBSCRIPTION_COLUMNS, subscriptionRows([...result.created, ...result.existing])),
        ...result.failed.map((failure) => `not created: ${failure.type}: ${failure.reason}`),
        ...(result.elsewhere.length > 0
          ? [
              `note: ${result.elsewhere.length} subscription(s) deliver to other endpoints (${[...new Set(result.elsewhere.map((item) => item.endpoint))].join(', ')}); remove them with \`npm run ops -- happycolis unsubscribe --endpoint <url>\``,
            ]
          : []),
      ].join('\n'),
    );
    return result.failed.length > 0 ? 1 : 0;
  },
};

const subscriptionsCommand: Command = {
  route: OPS_ROUTES.listSubscriptions,
  run: async (context) => {
    const { items } = await context.call(OPS_ROUTES.listSubscriptions, SubscriptionsAnswer);
    context.out(
      { items },
      () =>
        `${table(SUBSCRIPTION_COLUMNS, subscriptionRows(items))}\n${items.length} subscription(s)`,
    );
    return 0;
  },
};

const unsubscribeCommand: Command = {
  route: OPS_ROUTES.unsubscribe,
  options: ['endpoint'],
  run: async (context) => {
    const answer = await context.request(OPS_ROUTES.unsubscribe, {
      body: context.values.endpoint ? { endpoint: context.values.endpoint } : {},
    });
    const result = v.parse(
      UnsubscribeAnswer,
      answer.status === 502 ? answer.body : check(answer, OPS_ROUTES.unsubscribe).body,
    );
    context.out(result, () =>
      [
        `${result.removed.length} subscription(s) removed${result.missing.length ? `, ${result.missing.length} already gone at HappyColis (records dropped)` : ''}`,
        ...result.failed.map(
          (failure) =>
            `not removed: ${failure.subscription.type} (${failure.subscription.id}): ${failure.reason}`,
        ),
      ].join('\n'),
    );
    return result.failed.length > 0 ? 1 : 0;
  },
};

const reconcileStatusCommand: Command = {
  route: OPS_ROUTES.showReconcile,
  run: async (context) => {
    const { sweep } = await context.call(OPS_ROUTES.showReconcile, SweepAnswer);
    context.out({ sweep }, () => sweepFields(sweep));
    return 0;
  },
};

export const HAPPYCOLIS_COMMANDS: Readonly<Record<string, Command>> = {
  reconcile: reconcileCommand,
  'reconcile status': reconcileStatusCommand,
  'happycolis subscribe': subscribeCommand,
  'happycolis subscriptions': subscriptionsCommand,
  'happycolis unsubscribe': unsubscribeCommand,
};
