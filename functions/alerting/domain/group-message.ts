import type {
  Alert,
  GroupMessage,
  MessageEntry,
  MessageStatus,
  Severity,
} from '../../core/alerts.ts';
import { ReceiverError } from '../../core/errors.ts';
import { ALERT_TEXT_MAX_CHARS } from '../../core/limits.ts';
import { ALERT_BOUNDS, boundAlert, boundText, oneLine, oneLineOrNull } from './bounds.ts';
import { LOCAL_OPS, type OpsTarget } from './commands.ts';
import { isPerService, isResolvedGroup } from './grouping.ts';
import { kindSpec, runbookOf } from './kinds.ts';

/**
 * The one message (`GroupMessage`) that reports a group's incidents: the incidents listed one
 * line each, what they share, and the command that lists them all. Every channel renders this
 * message. Pure.
 */

/**
 * Entries a message lists at most; beyond, they are counted. Far above what a channel can show
 * (SNS carries about 520 with UUID ids, Slack 900), it only bounds the work on an unusual group.
 */
export const MESSAGE_MAX_ENTRIES = 1000;

const ENTRY_TITLE_MAX_CHARS = 200;

/** An empty message is a caller's mistake: a flush with nothing collected sends nothing. */
export class EmptyGroupMessageError extends ReceiverError {
  constructor() {
    super('a group message covers at least one alert');
  }
}

/** `alert` (already bounded) as one line of a message. */
const entryOf = (alert: Alert): MessageEntry => {
  const integration = alert.integration;
  return {
    incidentKey: alert.incidentKey,
    occurredAt: oneLine(alert.occurredAt),
    // The integration's ids say it all; a title would only cost room in the message.
    title: integration
      ? ''
      : oneLine(
          boundText(kindSpec(alert.kind).entryTitle?.(alert) ?? alert.title, ENTRY_TITLE_MAX_CHARS),
        ),
    integration: integration
      ? {
          id: oneLine(integration.id),
          locationId: oneLineOrNull(integration.locationId),
          fulfillmentServiceId: oneLineOrNull(integration.fulfillmentServiceId),
        }
      : null,
  };
};

/** The one state all the alerts' integrations are in now, if they share one. */
const sharedState = (alerts: readonly Alert[]): string | null => {
  const states = new Set(alerts.map((alert) => alert.integration?.state ?? null));
  const [state] = states;
  return states.size === 1 && state !== undefined ? state : null;
};

const severityOf = (alerts: readonly Alert[]): Severity =>
  alerts.some((alert) => alert.severity === 'critical') ? 'critical' : 'warning';

/** " — fulfillment service F (organization O)" or " (organization O)", for titles. */
const scopeOf = (
  perService: boolean,
  organizationId: string | null,
  fulfillmentServiceId: string | null,
): string => {
  const organization = `organization ${organizationId ?? 'unknown'}`;
  if (perService) {
    return ` — fulfillment service ${fulfillmentServiceId ?? 'unknown'} (${organization})`;
  }
  return organizationId === null ? '' : ` (${organization})`;
};

/**
 * Message `seq` of group `groupKey`, covering `alerts` (non-empty, all of the group, oldest
 * first), its commands aimed at `ops`. Every sender-supplied string is bounded as `boundAlert`
 * bounds it. One alert yields a message that carries it whole and reads exactly like it.
 *
 * @throws EmptyGroupMessageError when `alerts` is empty.
 */
export const groupMessageOf = (input: {
  readonly groupKey: string;
  readonly seq: number;
  readonly alerts: readonly Alert[];
  /** @default LOCAL_OPS */
  readonly ops?: OpsTarget;
}): GroupMessage => {
  const ops = input.ops ?? LOCAL_OPS;
  const alerts = input.alerts.map((alert) =>
    boundAlert({ ...alert, actions: runbookOf(alert, ops) }),
  );
  const [first] = alerts;
  const last = alerts.at(-1);
  if (!first || !last) throw new EmptyGroupMessageError();
  const status: MessageStatus = isResolvedGroup(input.groupKey) ? 'resolved' : 'firing';
  const kind = first.kind;
  const spec = kindSpec(kind);
  const total = alerts.length;
  const perService = isPerService(kind);
  const organizationId = first.organizationId;
  const fulfillmentServiceId = perService
    ? (first.integration?.fulfillmentServiceId ?? null)
    : null;
  const state = sharedState(alerts);
  const listState = spec.listState === 'shared' ? state : (spec.listState ?? null);
  const common = {
    version: 2 as const,
    groupKey: input.groupKey,
    seq: input.seq,
    status,
    kind,
    organizationId,
    fulfillmentServiceId,
    total,
    entries: alerts.slice(0, MESSAGE_MAX_ENTRIES).map(entryOf),
    listCommand: spec.list(ops, { organizationId, fulfillmentServiceId, state: listState }),
  };
  if (total === 1) {
    return {
      ...common,
      severity: first.severity,
      title: first.title,
      summary: first.summary,
      alert: first,
    };
  }
  const from = first.occurredAt;
  const to = last.occurredAt;
  const followUp =
    input.seq > 1
      ? ` This follow-up lists the incidents recorded since message ${input.seq - 1}.`
      : '';
  const summary = spec.summary({
    total,
    organization: organizationId ?? 'unknown',
    service: fulfillmentServiceId ?? 'unknown',
    state,
    between: from === to ? `at ${from}` : `between ${from} and ${to}`,
    from,
  });
  return {
    ...common,
    severity: severityOf(alerts),
    title: boundText(
      `${spec.headline(total, state)}${scopeOf(perService, organizationId, fulfillmentServiceId)}${
        input.seq > 1 ? ` (follow-up ${input.seq - 1})` : ''
      }`,
      ALERT_BOUNDS.title,
    ),
    summary: boundText(`${summary}${followUp}`, ALERT_TEXT_MAX_CHARS),
    actions: [...spec.runbook.many(ops)],
  };
};

/** The incident a message reports alone, if it covers one. */
export const singleAlertOf = (message: GroupMessage): Alert | undefined =>
  message.total === 1 ? message.alert : undefined;

/** How many incidents a message counts but does not list. */
export const unlistedCount = (message: GroupMessage): number =>
  Math.max(0, message.total - message.entries.length);

/**
 * What to do: a single incident's own runbook, or the runbook of the kind said once for the
 * whole group (a message from before groups carried theirs gets the local one).
 */
export const messageActions = (message: GroupMessage): readonly string[] =>
  singleAlertOf(message)?.actions ??
  message.actions ??
  kindSpec(message.kind).runbook.many(LOCAL_OPS);

/**
 * A message that reports its incidents alone, for a notifier that receives a single alert (a
 * CloudWatch alarm): keyed by its incident, so the ledger sends it once per channel.
 */
export const singleAlertMessage = (alert: Alert, ops: OpsTarget = LOCAL_OPS): GroupMessage =>
  groupMessageOf({ groupKey: `single|${alert.incidentKey}`, seq: 1, alerts: [alert], ops });
