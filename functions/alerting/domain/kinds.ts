import type { Alert, AlertKind, Severity } from '../../core/alerts.ts';
import type { IntegrationState } from '../../core/events.ts';
import { type OpsTarget, opsCommand, shellWord } from './commands.ts';

/**
 * Every alert kind, once: its severity, how its incidents are grouped, what a message covering
 * several of them says, the command that lists them, and the runbook of one and of many. The
 * builders (`content.ts`), the grouped messages (`group-message.ts`) and every channel read
 * this table; a kind missing from it, or one it names that `ALERT_KINDS` does not, is a compile
 * error. Pure.
 */

/** What a message covering several incidents of one group says about them. */
export interface GroupScope {
  readonly total: number;
  readonly organization: string;
  readonly service: string;
  /** The one state the incidents' integrations are in now, if they share one. */
  readonly state: string | null;
  /** `at <time>` or `between <first> and <last>`. */
  readonly between: string;
  /** When the oldest incident happened. */
  readonly from: string;
}

/** Which integrations a group's listing asks for. */
export interface ListScope {
  readonly organizationId: string | null;
  readonly fulfillmentServiceId: string | null;
  readonly state: string | null;
}

export interface AlertKindSpec {
  /** The severity of an alert of this kind (dead-letters: while firing). */
  readonly severity: Severity;
  /**
   * `service`: the incidents are about one integration each, grouped per organization and
   * fulfillment service; `organization`: grouped per organization only.
   */
  readonly groupBy: 'service' | 'organization';
  /** Its incidents end incidents of that kind, and are grouped after that kind's group. */
  readonly resolves?: AlertKind;
  /** How channels show it: a problem (by severity), or good news. */
  readonly tone: 'problem' | 'recovery';
  /** The state filter that finds a group's integrations now; `shared` for the state they share. */
  readonly listState?: IntegrationState | 'shared';
  /** The title of a message covering `total` incidents (scope and follow-up are added). */
  headline(total: number, state: string | null): string;
  /** What happened to the group, in a sentence or two. */
  summary(scope: GroupScope): string;
  /** The command listing every incident of a group. */
  list(ops: OpsTarget, scope: ListScope): string;
  /** A short line for an incident that is not about one integration. */
  entryTitle?(alert: Alert): string | undefined;
  /** What to do about one incident (`alert`), and about a message covering several. */
  readonly runbook: {
    one(alert: Alert, ops: OpsTarget): readonly string[];
    many(ops: OpsTarget): readonly string[];
  };
}

/** The value of fact `label` of an alert, if it has one. */
export const factOf = (alert: Alert, label: string): string | undefined =>
  alert.facts.find((fact) => fact.label === label)?.value;

const integrationsList = (ops: OpsTarget, scope: ListScope): string =>
  opsCommand(
    ops,
    'integrations list',
    ...(scope.state === null ? [] : [`--state ${scope.state}`]),
    ...(scope.organizationId === null ? [] : [`--organization ${shellWord(scope.organizationId)}`]),
    ...(scope.fulfillmentServiceId === null
      ? []
      : [`--service ${shellWord(scope.fulfillmentServiceId)}`]),
    '--all',
  );

const fixed = (actions: readonly string[]) => (): readonly string[] => actions;

const DELIVERY_ERROR_ACTIONS: readonly string[] = [
  'Check that the endpoint is reachable and answers 200 within 10 seconds.',
  'Check the ingest function logs and the API 4xx/5xx alarms for the same period.',
  'Once fixed, ask the platform to resend the failed events.',
];

const RESOLVED_ACTIONS: readonly string[] = [
  'Nothing to do; check that delivery orders reassigned during the outage are routed back if wanted.',
];

const RESOLVED_DRIFT_ACTIONS: readonly string[] = [
  'Nothing to do: our state agrees with HappyColis again.',
];

const dlqActions = (ops: OpsTarget): readonly string[] => [
  `Find why the messages failed: \`${opsCommand(ops, 'dlq show')}\` samples the event queue's DLQ with each message's reason; for a notifier's DLQ, read its function's logs ("record failed" lines).`,
  'Fix the cause (a bug, a permission, a throttled dependency, a revoked chat webhook).',
  `Redrive the DLQ to its source queue: \`${opsCommand(ops, 'dlq redrive')}\` for the event queue, the SQS console's "Start DLQ redrive" for a notifier's; processing is idempotent, so a redrive cannot double-apply or double-alert.`,
];

export const ALERT_KIND_SPECS = {
  'integration-errored': {
    severity: 'critical',
    groupBy: 'service',
    tone: 'problem',
    listState: 'ERROR',
    headline: (total) => `${total} fulfillment integrations errored`,
    summary: ({ total, organization, service, between }) =>
      `HappyColis reports ${total} failed connections between locations of organization ` +
      `${organization} and fulfillment service ${service}, ${between}. Delivery orders sent ` +
      'through this service may be stuck.',
    list: integrationsList,
    runbook: {
      one: fixed([
        'Investigate the failure with the fulfillment service provider: connectivity, expired or revoked credentials, missing scopes.',
        'Reassign delivery orders that were in flight to this location to another location.',
        'Once the cause is fixed, retry the connection; if the service no longer accepts it, recreate the integration in HappyColis.',
      ]),
      many: fixed([
        'Investigate the failure with the fulfillment service provider: an outage, expired or revoked credentials, missing scopes. Many integrations of one service failing together points to the service.',
        'Reassign delivery orders that were in flight to these locations to other locations.',
        'Once the cause is fixed, retry the connections; for those the service no longer accepts, recreate the integrations in HappyColis.',
      ]),
    },
  },
  'integration-rejected': {
    severity: 'warning',
    groupBy: 'service',
    tone: 'problem',
    listState: 'shared',
    headline: (total) => `${total} fulfillment integrations rejected`,
    summary: ({ total, organization, service, between }) =>
      `Fulfillment service ${service} refused ${total} connection requests from locations of ` +
      `organization ${organization}, ${between}. These integrations cannot be reactivated: ` +
      'HappyColis requires new ones.',
    list: integrationsList,
    runbook: {
      one: fixed([
        'Contact the fulfillment service provider to learn why the connection was rejected (contract, scopes, account setup).',
        'Keep routing delivery orders for this location to another location until a new integration is ACTIVE.',
        'Once the cause is resolved, create a new integration in HappyColis; a later "accepted" for this one is recorded as an anomaly, not applied.',
      ]),
      many: fixed([
        'Contact the fulfillment service provider to learn why the connections were rejected (contract, scopes, account setup).',
        'Keep routing delivery orders for these locations to other locations until new integrations are ACTIVE.',
        'Once the cause is resolved, create new integrations in HappyColis; a later "accepted" for these ones is recorded as an anomaly, not applied.',
      ]),
    },
  },
  'integration-stuck-pending': {
    severity: 'warning',
    groupBy: 'service',
    tone: 'problem',
    listState: 'PENDING',
    headline: (total) => `${total} fulfillment integrations stuck in PENDING`,
    summary: ({ total, organization, service, between }) =>
      `${total} integrations between locations of organization ${organization} and fulfillment ` +
      `service ${service} are still PENDING past the alert threshold (found ${between}): the ` +
      'service has neither accepted nor rejected them, or its answers never reached us.',
    list: integrationsList,
    runbook: {
      one: (_alert, ops) => [
        'Contact the fulfillment service provider to accept or reject the connection request.',
        `Check in HappyColis that this integration's webhook queue is not blocked (a failed delivery blocks every later event until unblocked by hand), and check our DLQ (\`${opsCommand(ops, 'dlq show')}\`) and quarantine (\`${opsCommand(ops, 'quarantine list')}\`).`,
        'Do not route delivery orders to this location through this service until the integration is ACTIVE.',
      ],
      many: (ops) => [
        'Contact the fulfillment service provider to accept or reject the connection requests.',
        `Check in HappyColis that these integrations' webhook queues are not blocked (a failed delivery blocks every later event until unblocked by hand), and check our DLQ (\`${opsCommand(ops, 'dlq show')}\`) and quarantine (\`${opsCommand(ops, 'quarantine list')}\`).`,
        'Do not route delivery orders to these locations through this service until their integrations are ACTIVE.',
      ],
    },
  },
  'integration-resolved': {
    severity: 'critical',
    groupBy: 'service',
    resolves: 'integration-errored',
    tone: 'recovery',
    listState: 'shared',
    headline: (total, state) =>
      `Resolved: ${total} fulfillment integrations ${state === null ? 'no longer in ERROR' : `${state} again`}`,
    summary: ({ total, organization, service, state, between }) =>
      `${total} integrations between locations of organization ${organization} and fulfillment ` +
      `service ${service}, reported in ERROR, are ${state ?? 'ACTIVE or PENDING'} again ` +
      `(${between}).`,
    list: integrationsList,
    runbook: { one: fixed(RESOLVED_ACTIONS), many: fixed(RESOLVED_ACTIONS) },
  },
  quarantined: {
    severity: 'warning',
    groupBy: 'organization',
    tone: 'problem',
    headline: (total) => `${total} authentic webhooks failed validation and were quarantined`,
    summary: ({ total, between }) =>
      `${total} authentic payloads were acknowledged but failed validation, ${between}, and ` +
      'were quarantined. The integrations they were about may be out of date until they are replayed.',
    list: (ops) => opsCommand(ops, 'quarantine list --all'),
    entryTitle: (alert) => {
      const id = factOf(alert, 'Quarantine id');
      if (id === undefined) return undefined;
      const problem = alert.facts.find(
        (fact) => fact.label !== 'Quarantine id' && fact.label !== 'Received at',
      );
      return `quarantine ${id}${problem ? `: ${problem.label} ${problem.value}` : ''}`;
    },
    runbook: {
      one: (alert, ops) => {
        const id = shellWord(factOf(alert, 'Quarantine id') ?? '<id>');
        return [
          `Read the quarantined payload (tokens redacted): \`${opsCommand(ops, `quarantine show ${id}`)}\`.`,
          `If the sender changed its format, update the schema and replay the payload (\`${opsCommand(ops, `quarantine replay ${id}`)}\`); if the payload is wrong, report it to the sender.`,
          `Check the integration it names (\`${opsCommand(ops, 'integrations show <integration id>')}\`): its state may be stale until the event is replayed.`,
        ];
      },
      many: (ops) => [
        `List the quarantined payloads (\`${opsCommand(ops, 'quarantine list')}\`) and read each one (\`${opsCommand(ops, 'quarantine show <id>')}\`, tokens redacted).`,
        `If the sender changed its format, update the schema and replay them (\`${opsCommand(ops, 'quarantine replay <id>')}\`); if the payloads are wrong, report it to the sender.`,
        'Check the integrations they name: their state may be stale until the events are replayed.',
      ],
    },
  },
  'delivery-error': {
    severity: 'critical',
    groupBy: 'organization',
    tone: 'problem',
    headline: (total) => `${total} notices of failing webhook deliveries`,
    summary: ({ total, between }) =>
      `Sending platforms reported ${total} times, ${between}, three or more consecutive failed ` +
      'deliveries to our endpoints.',
    list: (ops) => opsCommand(ops, 'notices list --all'),
    entryTitle: (alert) => {
      const endpoint = factOf(alert, 'Endpoint');
      return endpoint === undefined
        ? undefined
        : `${endpoint} (code ${factOf(alert, 'Code') ?? 'unknown'})`;
    },
    runbook: { one: fixed(DELIVERY_ERROR_ACTIONS), many: fixed(DELIVERY_ERROR_ACTIONS) },
  },
  'dead-letters': {
    severity: 'critical',
    groupBy: 'organization',
    tone: 'problem',
    headline: (total) => `${total} dead-letter alarm changes`,
    summary: ({ total, between }) => `Dead-letter alarms changed state ${total} times, ${between}.`,
    list: (ops) => opsCommand(ops, 'dlq show'),
    entryTitle: (alert) => {
      const name = factOf(alert, 'Alarm');
      return name === undefined ? undefined : `${name}: ${factOf(alert, 'State') ?? 'unknown'}`;
    },
    runbook: {
      one: (alert, ops) => {
        if (!(factOf(alert, 'State') ?? '').endsWith('-> ALARM')) {
          return [
            'Nothing to do if the DLQ was redriven or purged on purpose; otherwise find out who emptied it.',
          ];
        }
        if (factOf(alert, 'Queue') === undefined) {
          return [
            'Read the alarm reason below, then the metrics and logs of the resource it watches.',
            'If it watches a queue, check its DLQ too: messages there have not taken effect.',
          ];
        }
        return dlqActions(ops);
      },
      many: dlqActions,
    },
  },
  'integration-drift': {
    severity: 'critical',
    groupBy: 'organization',
    tone: 'problem',
    listState: 'shared',
    headline: (total) =>
      `${total} integrations disagree with HappyColis: its webhook queue is probably blocked`,
    summary: ({ total, organization, between, from }) =>
      `${total} integrations of organization ${organization} disagree with HappyColis's API ` +
      `(first seen ${between}). Several at once means HappyColis has probably blocked ` +
      `the application's webhook queue since about ${from}, the oldest disagreement: no event ` +
      'reaches us until its support unblocks it, then the queued events arrive and the ' +
      'disagreements resolve by themselves.',
    list: integrationsList,
    runbook: {
      one: (_alert, ops) => [
        'Check the webhook queue of the HappyColis application: a failed delivery (any non-2xx or timeout) blocks every later event until HappyColis support unblocks it; ask them, and check our API 5xx alarms for the time the disagreement began.',
        'Once the queue is unblocked, the queued events arrive in order and the disagreement resolves by itself (a resolved notice follows the next sweep).',
        `If the queue is healthy, the event was lost elsewhere: check our DLQ (\`${opsCommand(ops, 'dlq show')}\`) and quarantine (\`${opsCommand(ops, 'quarantine list')}\`).`,
      ],
      many: (ops) => [
        "Contact HappyColis support: the application's webhook queue is probably BLOCKED (HappyColis never retries; one failed delivery holds every later event). Give them the time of the oldest disagreement.",
        'Find what failed at that time: our API 5xx and latency alarms, a deploy, an API Gateway incident.',
        `Once unblocked, the queued events arrive in order and the disagreements resolve by themselves; \`${opsCommand(ops, 'reconcile')}\` checks at once.`,
      ],
    },
  },
  'integration-drift-resolved': {
    severity: 'critical',
    groupBy: 'organization',
    resolves: 'integration-drift',
    tone: 'recovery',
    listState: 'shared',
    headline: (total) => `Resolved: ${total} integrations agree with HappyColis again`,
    summary: ({ total, organization, between }) =>
      `${total} integrations of organization ${organization}, reported disagreeing with ` +
      `HappyColis, agree with it again (${between}).`,
    list: integrationsList,
    runbook: {
      one: fixed(RESOLVED_DRIFT_ACTIONS),
      many: fixed(RESOLVED_DRIFT_ACTIONS),
    },
  },
} as const satisfies Record<AlertKind, AlertKindSpec>;

/** The spec of `kind`, typed as the interface (the table keeps its literal types). */
export const kindSpec = (kind: AlertKind): AlertKindSpec => ALERT_KIND_SPECS[kind];

/** The runbook of one incident, its commands aimed at `ops`. */
export const runbookOf = (alert: Alert, ops: OpsTarget): string[] => [
  ...kindSpec(alert.kind).runbook.one(alert, ops),
];
