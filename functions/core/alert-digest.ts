import { createHash } from 'node:crypto';
import {
  ALERT_BOUNDS,
  alertText,
  boundAlert,
  boundText,
  COMPACT_ALERT_BOUNDS,
  DELIVERY_ERROR_ACTIONS,
  DLQ_ACTIONS,
  RESOLVED_ACTIONS,
  subjectLine,
} from './alert-content.ts';
import type {
  Alert,
  AlertDigest,
  AlertKind,
  DigestEntry,
  DigestStatus,
  Severity,
} from './alerts.ts';
import { BLOCKED_QUEUE_ACTIONS, RESOLVED_DRIFT_ACTIONS } from './drift-alert.ts';
import { ReceiverError } from './errors.ts';
import type { IntegrationEvent } from './events.ts';
import {
  ALERT_INCIDENT_KEY_MAX_BYTES,
  ALERT_TEXT_MAX_CHARS,
  asciiJson,
  SNS_MESSAGE_MAX_BYTES,
  SQS_FORBIDDEN_CHARACTER,
  utf8Bytes,
} from './limits.ts';

/**
 * Grouped alerts: which group an alert belongs to, the one message (`AlertDigest`) that reports
 * a group's incidents, and how email reads it. Pure: alerts in, text out. The Slack rendering
 * lives with the Slack notifier and reads the same digest.
 */

/** Kinds about one integration: grouped per organization and fulfillment service. */
const LIFECYCLE_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'integration-errored',
  'integration-rejected',
  'integration-stuck-pending',
  'integration-resolved',
]);

/** Whether alerts of `kind` are about one integration (and grouped by fulfillment service). */
export const isLifecycleKind = (kind: AlertKind): boolean => LIFECYCLE_KINDS.has(kind);

const RESOLVED_SUFFIX = '|resolved';

/**
 * One part of a group key. `|` and `%` are escaped, and the two values the key gives a meaning
 * (`-` for null, `resolved` for the suffix) are written differently, so that two different
 * groups never share a key and a key ends with `|resolved` only for resolved notices.
 */
const keyPart = (value: string | null): string => {
  if (value === null) return '-';
  if (value === '-') return '%2D';
  if (value === 'resolved') return '%72esolved';
  return value.replace(/%/g, '%25').replace(/\|/g, '%7C');
};

/**
 * A base key (kind, organization and, for lifecycle kinds, fulfillment service), short enough
 * that the resolved group's key still fits the ledger's key budget. A longer key, or one with
 * characters a queue refuses, is replaced by its digest (same parts in, same key out).
 */
const baseGroupKey = (
  kind: AlertKind,
  organizationId: string | null,
  fulfillmentServiceId: string | null,
): string => {
  const key = isLifecycleKind(kind)
    ? `${kind}|${keyPart(organizationId)}|${keyPart(fulfillmentServiceId)}`
    : `${kind}|${keyPart(organizationId)}`;
  if (
    utf8Bytes(key) <= ALERT_INCIDENT_KEY_MAX_BYTES - RESOLVED_SUFFIX.length &&
    !SQS_FORBIDDEN_CHARACTER.test(key)
  ) {
    return key;
  }
  return `${kind}|sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
};

/** The group of resolved notices for the incidents of group `groupKey`. */
export const resolvedGroupKey = (groupKey: string): string => `${groupKey}${RESOLVED_SUFFIX}`;

/** Whether `groupKey` is a group of resolved notices. */
export const isResolvedGroup = (groupKey: string): boolean => groupKey.endsWith(RESOLVED_SUFFIX);

/**
 * The group an alert is reported in: `kind|organizationId`, plus `|fulfillmentServiceId` for
 * lifecycle kinds, `-` for a null part; at most {@link ALERT_INCIDENT_KEY_MAX_BYTES} UTF-8 bytes.
 * A resolved notice groups under the errored group's key plus `|resolved`, so
 * `groupKeyOf(resolved) === resolvedGroupKey(groupKeyOf(reported))`.
 */
export const groupKeyOf = (alert: Alert): string => {
  const fulfillmentServiceId = alert.integration?.fulfillmentServiceId ?? null;
  if (alert.kind === 'integration-resolved') {
    return resolvedGroupKey(
      baseGroupKey('integration-errored', alert.organizationId, fulfillmentServiceId),
    );
  }
  if (alert.kind === 'integration-drift-resolved') {
    return resolvedGroupKey(baseGroupKey('integration-drift', alert.organizationId, null));
  }
  return baseGroupKey(alert.kind, alert.organizationId, fulfillmentServiceId);
};

/**
 * Entries a digest lists at most; beyond, they are counted. Far above what a channel can show
 * (SNS carries about 520 with UUID ids, Slack 900), it only bounds the work on an unusual group.
 */
export const DIGEST_MAX_ENTRIES = 1000;

/** A digest's SNS message leaves this much of SNS's limit to the subject and attributes. */
export const DIGEST_SNS_MESSAGE_MAX_BYTES = SNS_MESSAGE_MAX_BYTES - 4096;

const ENTRY_TITLE_MAX_CHARS = 200;
const TITLE_MAX_CHARS = ALERT_BOUNDS.title;

/** An empty digest is a caller's mistake: a flush with nothing collected sends nothing. */
export class EmptyDigestError extends ReceiverError {
  constructor() {
    super('a digest covers at least one alert');
  }
}

const factOf = (alert: Alert, label: string): string | undefined =>
  alert.facts.find((fact) => fact.label === label)?.value;

/** A short line for an incident that is not about one integration. */
const entryTitle = (alert: Alert): string => {
  let line: string;
  switch (alert.kind) {
    case 'quarantined': {
      const id = factOf(alert, 'Quarantine id');
      const problem = alert.facts.find(
        (fact) => fact.label !== 'Quarantine id' && fact.label !== 'Received at',
      );
      line =
        id === undefined
          ? alert.title
          : `quarantine ${id}${problem ? `: ${problem.label} ${problem.value}` : ''}`;
      break;
    }
    case 'delivery-error': {
      const endpoint = factOf(alert, 'Endpoint');
      line =
        endpoint === undefined
          ? alert.title
          : `${endpoint} (code ${factOf(alert, 'Code') ?? 'unknown'})`;
      break;
    }
    case 'dead-letters': {
      const name = factOf(alert, 'Alarm');
      line = name === undefined ? alert.title : `${name}: ${factOf(alert, 'State') ?? 'unknown'}`;
      break;
    }
    default:
      line = alert.title;
  }
  return boundText(line, ENTRY_TITLE_MAX_CHARS);
};

/** An entry is one line wherever it is shown: a line break in an id must not start another. */
const oneLine = (text: string): string => text.replace(/[\r\n\t]/g, ' ');
const oneLineOrNull = (text: string | null): string | null =>
  text === null ? null : oneLine(text);

/** `alert` (already bounded) as one line of a digest. */
const entryOf = (alert: Alert): DigestEntry => {
  const integration = alert.integration;
  return {
    incidentKey: alert.incidentKey,
    occurredAt: oneLine(alert.occurredAt),
    // The integration's ids say it all; a title would only cost room in the message.
    title: integration ? '' : oneLine(entryTitle(alert)),
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

/** A shell word: ids are opaque, so anything but a plain id is single-quoted. */
const shellWord = (text: string): string =>
  /^[\w.:@/+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

const listCommandOf = (
  kind: AlertKind,
  organizationId: string | null,
  fulfillmentServiceId: string | null,
  state: string | null,
): string => {
  switch (kind) {
    case 'quarantined':
      return 'npm run ops -- quarantine list --all';
    case 'delivery-error':
      return 'npm run ops -- notices list --all';
    case 'dead-letters':
      return 'npm run ops -- dlq show';
    default:
      return [
        'npm run ops -- integrations list',
        ...(state === null ? [] : [`--state ${state}`]),
        ...(organizationId === null ? [] : [`--organization ${shellWord(organizationId)}`]),
        ...(fulfillmentServiceId === null ? [] : [`--service ${shellWord(fulfillmentServiceId)}`]),
        '--all',
      ].join(' ');
  }
};

/** The state filter that finds a group's integrations now. */
const stateFilterOf = (kind: AlertKind, alerts: readonly Alert[]): string | null => {
  switch (kind) {
    case 'integration-errored':
      return 'ERROR';
    case 'integration-stuck-pending':
      return 'PENDING';
    default:
      return sharedState(alerts);
  }
};

const severityOf = (alerts: readonly Alert[]): Severity =>
  alerts.some((alert) => alert.severity === 'critical') ? 'critical' : 'warning';

/** "fulfillment service F (organization O)" or "(organization O)", for titles. */
const scopeOf = (
  kind: AlertKind,
  organizationId: string | null,
  fulfillmentServiceId: string | null,
): string => {
  const organization = `organization ${organizationId ?? 'unknown'}`;
  if (isLifecycleKind(kind)) {
    return ` — fulfillment service ${fulfillmentServiceId ?? 'unknown'} (${organization})`;
  }
  return organizationId === null ? '' : ` (${organization})`;
};

const headlineOf = (kind: AlertKind, total: number, state: string | null): string => {
  switch (kind) {
    case 'integration-errored':
      return `${total} fulfillment integrations errored`;
    case 'integration-rejected':
      return `${total} fulfillment integrations rejected`;
    case 'integration-stuck-pending':
      return `${total} fulfillment integrations stuck in PENDING`;
    case 'integration-resolved':
      return `Resolved: ${total} fulfillment integrations ${state === null ? 'no longer in ERROR' : `${state} again`}`;
    case 'quarantined':
      return `${total} authentic webhooks failed validation and were quarantined`;
    case 'delivery-error':
      return `${total} notices of failing webhook deliveries`;
    case 'dead-letters':
      return `${total} dead-letter alarm changes`;
    case 'integration-drift':
      return `${total} integrations disagree with HappyColis: its webhook queue is probably blocked`;
    case 'integration-drift-resolved':
      return `Resolved: ${total} integrations agree with HappyColis again`;
  }
};

const summaryOf = (input: {
  readonly kind: AlertKind;
  readonly total: number;
  readonly organizationId: string | null;
  readonly fulfillmentServiceId: string | null;
  readonly state: string | null;
  readonly from: string;
  readonly to: string;
  readonly seq: number;
}): string => {
  const { kind, total, from, to, seq } = input;
  const organization = input.organizationId ?? 'unknown';
  const service = input.fulfillmentServiceId ?? 'unknown';
  const between = from === to ? `at ${from}` : `between ${from} and ${to}`;
  const followUp =
    seq > 1 ? ` This follow-up lists the incidents recorded since message ${seq - 1}.` : '';
  let text: string;
  switch (kind) {
    case 'integration-errored':
      text =
        `HappyColis reports ${total} failed connections between locations of organization ` +
        `${organization} and fulfillment service ${service}, ${between}. Delivery orders sent ` +
        'through this service may be stuck.';
      break;
    case 'integration-rejected':
      text =
        `Fulfillment service ${service} refused ${total} connection requests from locations of ` +
        `organization ${organization}, ${between}. These integrations cannot be reactivated: ` +
        'HappyColis requires new ones.';
      break;
    case 'integration-stuck-pending':
      text =
        `${total} integrations between locations of organization ${organization} and fulfillment ` +
        `service ${service} are still PENDING past the alert threshold (found ${between}): the ` +
        'service has neither accepted nor rejected them, or its answers never reached us.';
      break;
    case 'integration-resolved':
      text =
        `${total} integrations between locations of organization ${organization} and fulfillment ` +
        `service ${service}, reported in ERROR, are ${input.state ?? 'ACTIVE or PENDING'} again ` +
        `(${between}).`;
      break;
    case 'quarantined':
      text =
        `${total} authentic payloads were acknowledged but failed validation, ${between}, and ` +
        'were quarantined. The integrations they were about may be out of date until they are replayed.';
      break;
    case 'delivery-error':
      text =
        `Sending platforms reported ${total} times, ${between}, three or more consecutive failed ` +
        'deliveries to our endpoints.';
      break;
    case 'dead-letters':
      text = `Dead-letter alarms changed state ${total} times, ${between}.`;
      break;
    case 'integration-drift':
      text =
        `${total} integrations of organization ${organization} disagree with HappyColis's API ` +
        `(first seen ${between}). Several at once means HappyColis has probably blocked ` +
        `the application's webhook queue since about ${from}, the oldest disagreement: no event ` +
        'reaches us until its support unblocks it, then the queued events arrive and the ' +
        'disagreements resolve by themselves.';
      break;
    case 'integration-drift-resolved':
      text =
        `${total} integrations of organization ${organization}, reported disagreeing with ` +
        `HappyColis, agree with it again (${between}).`;
      break;
  }
  return boundText(`${text}${followUp}`, ALERT_TEXT_MAX_CHARS);
};

// Runbooks of groups, where the single alert's speaks of "this location" or "this integration".
const ERRORED_GROUP_ACTIONS: readonly string[] = [
  'Investigate the failure with the fulfillment service provider: an outage, expired or revoked credentials, missing scopes. Many integrations of one service failing together points to the service.',
  'Reassign delivery orders that were in flight to these locations to other locations.',
  'Once the cause is fixed, retry the connections; for those the service no longer accepts, recreate the integrations in HappyColis.',
];

const REJECTED_GROUP_ACTIONS: readonly string[] = [
  'Contact the fulfillment service provider to learn why the connections were rejected (contract, scopes, account setup).',
  'Keep routing delivery orders for these locations to other locations until new integrations are ACTIVE.',
  'Once the cause is resolved, create new integrations in HappyColis; a later "accepted" for these ones is recorded as an anomaly, not applied.',
];

const STUCK_PENDING_GROUP_ACTIONS: readonly string[] = [
  'Contact the fulfillment service provider to accept or reject the connection requests.',
  "Check in HappyColis that these integrations' webhook queues are not blocked (a failed delivery blocks every later event until unblocked by hand), and check our DLQ and quarantine.",
  'Do not route delivery orders to these locations through this service until their integrations are ACTIVE.',
];

const QUARANTINE_GROUP_ACTIONS: readonly string[] = [
  'List the quarantined payloads (`npm run ops -- quarantine list`) and read each one (`npm run ops -- quarantine show <id>`, tokens redacted).',
  'If the sender changed its format, update the schema and replay them (`npm run ops -- quarantine replay <id>`); if the payloads are wrong, report it to the sender.',
  'Check the integrations they name: their state may be stale until the events are replayed.',
];

/**
 * The runbook of a message covering several incidents of `kind`, said once whatever their
 * number. (A message covering one incident carries its alert, and that alert's own runbook.)
 */
export const digestActions = (kind: AlertKind): readonly string[] => {
  switch (kind) {
    case 'integration-errored':
      return ERRORED_GROUP_ACTIONS;
    case 'integration-rejected':
      return REJECTED_GROUP_ACTIONS;
    case 'integration-stuck-pending':
      return STUCK_PENDING_GROUP_ACTIONS;
    case 'integration-resolved':
      return RESOLVED_ACTIONS;
    case 'quarantined':
      return QUARANTINE_GROUP_ACTIONS;
    case 'delivery-error':
      return DELIVERY_ERROR_ACTIONS;
    case 'dead-letters':
      return DLQ_ACTIONS;
    case 'integration-drift':
      return BLOCKED_QUEUE_ACTIONS;
    case 'integration-drift-resolved':
      return RESOLVED_DRIFT_ACTIONS;
  }
};

/**
 * The message `seq` of group `groupKey`, covering `alerts` (non-empty, all of the group, oldest
 * first). Every sender-supplied string is bounded as `boundAlert` bounds it. One alert yields a
 * digest that carries it whole and reads exactly like it.
 *
 * @throws EmptyDigestError when `alerts` is empty.
 */
export const digestOf = (input: {
  readonly groupKey: string;
  readonly seq: number;
  readonly alerts: readonly Alert[];
}): AlertDigest => {
  const alerts = input.alerts.map((alert) => boundAlert(alert));
  const [first] = alerts;
  const last = alerts.at(-1);
  if (!first || !last) throw new EmptyDigestError();
  const status: DigestStatus = isResolvedGroup(input.groupKey) ? 'resolved' : 'firing';
  const kind = first.kind;
  const total = alerts.length;
  const organizationId = first.organizationId;
  const fulfillmentServiceId = isLifecycleKind(kind)
    ? (first.integration?.fulfillmentServiceId ?? null)
    : null;
  const state = sharedState(alerts);
  const common = {
    version: 2 as const,
    groupKey: input.groupKey,
    seq: input.seq,
    status,
    kind,
    organizationId,
    fulfillmentServiceId,
    total,
    entries: alerts.slice(0, DIGEST_MAX_ENTRIES).map(entryOf),
    listCommand: listCommandOf(
      kind,
      organizationId,
      fulfillmentServiceId,
      stateFilterOf(kind, alerts),
    ),
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
  const followUp = input.seq > 1 ? ` (follow-up ${input.seq - 1})` : '';
  return {
    ...common,
    severity: severityOf(alerts),
    title: boundText(
      `${headlineOf(kind, total, state)}${scopeOf(kind, organizationId, fulfillmentServiceId)}${followUp}`,
      TITLE_MAX_CHARS,
    ),
    summary: summaryOf({
      kind,
      total,
      organizationId,
      fulfillmentServiceId,
      state,
      from: first.occurredAt,
      to: last.occurredAt,
      seq: input.seq,
    }),
  };
};

/** The incident a digest reports alone, if it covers one. */
export const singleAlertOf = (digest: AlertDigest): Alert | undefined =>
  digest.total === 1 ? digest.alert : undefined;

/** How many incidents a digest counts but does not list. */
export const unlistedCount = (digest: AlertDigest): number =>
  Math.max(0, digest.total - digest.entries.length);

/** An email subject: severity first, one line, short enough for SNS (like `alertSubject`). */
export const digestSubject = (digest: AlertDigest): string =>
  subjectLine(digest.severity, digest.title);

const LABEL_WIDTH = 21;
const labelled = (label: string, value: string) => `${`${label}:`.padEnd(LABEL_WIDTH)} ${value}`;

/** Columns padded to their widest cell; the last one is not padded. */
const table = (rows: readonly (readonly string[])[]): string[] => {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
};

/**
 * The lines listing a digest's entries for plain text. The fulfillment service column is left
 * out when it is the group's (a lifecycle group has one): the heading names it, and SNS's size
 * limit is better spent on more incidents.
 */
export const digestEntryLines = (digest: AlertDigest): string[] => {
  const withIntegration = digest.entries.filter((entry) => entry.integration !== null);
  const showService =
    digest.fulfillmentServiceId === null ||
    withIntegration.some(
      (entry) =>
        entry.integration?.fulfillmentServiceId !== oneLineOrNull(digest.fulfillmentServiceId),
    );
  const rows = withIntegration.map(({ occurredAt, integration }) => [
    occurredAt,
    integration?.locationId ?? 'unknown',
    ...(showService ? [integration?.fulfillmentServiceId ?? 'unknown'] : []),
    integration?.id ?? 'unknown',
  ]);
  const heading = [
    'When',
    'Location',
    ...(showService ? ['Fulfillment service'] : []),
    'Integration',
  ];
  const lines = rows.length > 0 ? table([heading, ...rows]) : [];
  for (const entry of digest.entries) {
    if (entry.integration === null) lines.push(`${entry.occurredAt}  ${entry.title}`);
  }
  return lines;
};

/**
 * A plain-text rendering, for email and logs. One incident reads exactly as `alertText`; many
 * are listed one per line (oldest first), then how many more and the command listing them all,
 * then the runbook of the kind once.
 */
export const digestText = (digest: AlertDigest): string => {
  const single = singleAlertOf(digest);
  if (single) return alertText(single);
  const more = unlistedCount(digest);
  const lines = [`${digest.severity.toUpperCase()}: ${digest.title}`, '', digest.summary, ''];
  lines.push(labelled('Organization', digest.organizationId ?? 'unknown'));
  if (isLifecycleKind(digest.kind)) {
    lines.push(labelled('Fulfillment service', digest.fulfillmentServiceId ?? 'unknown'));
  }
  lines.push(
    labelled(
      'Incidents',
      more > 0 ? `${digest.total} (${digest.entries.length} listed)` : `${digest.total}`,
    ),
    '',
  );
  if (digest.entries.length > 0) {
    lines.push('Incidents (oldest first):');
    for (const line of digestEntryLines(digest)) lines.push(`  ${line}`);
  }
  if (more > 0) lines.push(`  and ${more} more: ${digest.listCommand}`);
  lines.push('', 'What to do:');
  digestActions(digest.kind).forEach((action, index) => {
    lines.push(`  ${index + 1}. ${action}`);
  });
  lines.push(
    '',
    '--',
    `Severity: ${digest.severity} · kind: ${digest.kind} · group: ${digest.groupKey} · message ${digest.seq}`,
    `Every incident is reported once; list them all with: ${digest.listCommand}`,
  );
  return lines.join('\n');
};

const snsMessage = (digest: AlertDigest, summaryText: string): string => {
  const text = digestText(digest);
  return asciiJson({ default: summaryText, email: text, sqs: asciiJson(digest) });
};

/**
 * The digest as one SNS publish with a body per protocol (`MessageStructure: 'json'`): email
 * gets `digestText`, SQS subscribers (the Slack notifier) get the digest JSON. The message never
 * exceeds {@link DIGEST_SNS_MESSAGE_MAX_BYTES}: listed entries are dropped from the end until it
 * fits (both copies then say how many more), and a single alert falls back to the compact alert
 * bounds. A single alert's `default` body is its text, as before grouping; a group's is its text
 * without the list, because `default` reaches no subscriber of the topic and the list would
 * otherwise count twice against SNS's limit.
 */
export const digestSnsMessage = (digest: AlertDigest): { subject: string; message: string } => {
  const fits = (message: string): boolean => utf8Bytes(message) <= DIGEST_SNS_MESSAGE_MAX_BYTES;
  const single = singleAlertOf(digest);
  if (single) {
    const message = snsMessage(digest, alertText(single));
    if (fits(message)) return { subject: digestSubject(digest), message };
    const alert = boundAlert(single, COMPACT_ALERT_BOUNDS);
    const compact: AlertDigest = {
      ...digest,
      title: alert.title,
      summary: alert.summary,
      entries: digest.entries.map((entry) => boundEntry(entry, COMPACT_ALERT_BOUNDS.quote)),
      alert,
    };
    return { subject: digestSubject(compact), message: snsMessage(compact, alertText(alert)) };
  }
  const shortText = digestText({ ...digest, entries: [] });
  const listing = (count: number): AlertDigest => ({
    ...digest,
    entries: digest.entries.slice(0, count),
  });
  let message = snsMessage(digest, shortText);
  if (!fits(message)) {
    // The largest number of entries that fits: the size grows with every entry listed.
    let low = 0;
    let high = digest.entries.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(snsMessage(listing(middle), shortText))) low = middle;
      else high = middle - 1;
    }
    message = snsMessage(listing(low), shortText);
  }
  return { subject: digestSubject(digest), message };
};

const boundEntry = (entry: DigestEntry, quote: number): DigestEntry => {
  const cut = (text: string) => boundText(text, quote);
  const cutOrNull = (text: string | null) => (text === null ? null : cut(text));
  return {
    incidentKey: entry.incidentKey,
    occurredAt: cut(entry.occurredAt),
    title: cut(entry.title),
    integration: entry.integration
      ? {
          id: cut(entry.integration.id),
          locationId: cutOrNull(entry.integration.locationId),
          fulfillmentServiceId: cutOrNull(entry.integration.fulfillmentServiceId),
        }
      : null,
  };
};

/**
 * The group the `integration-errored` incidents of `event`'s integration are reported in: what
 * a later recovery resolves.
 */
export const erroredGroupKey = (event: IntegrationEvent): string =>
  baseGroupKey('integration-errored', event.header.organizationId, event.body.fulfillmentServiceId);

/** The order of a message's incidents, as the ledger returns them: oldest first, then by key. */
export const byOccurrence = (a: Alert, b: Alert): number =>
  a.occurredAt < b.occurredAt
    ? -1
    : a.occurredAt > b.occurredAt
      ? 1
      : a.incidentKey < b.incidentKey
        ? -1
        : a.incidentKey > b.incidentKey
          ? 1
          : 0;
