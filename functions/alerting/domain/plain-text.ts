import type { Alert, GroupMessage } from '../../core/alerts.ts';
import { oneLineOrNull, stateLine } from './bounds.ts';
import { messageActions, singleAlertOf, unlistedCount } from './group-message.ts';
import { isPerService } from './grouping.ts';

/** Alerts and group messages as plain text: what email shows, and what logs and terminals print. Pure. */

const LABEL_WIDTH = 21;
const labelled = (label: string, value: string) => `${`${label}:`.padEnd(LABEL_WIDTH)} ${value}`;

const numbered = (actions: readonly string[]): string[] =>
  actions.map((action, index) => `  ${index + 1}. ${action}`);

/** One incident's alert as plain text. */
export const alertText = (alert: Alert): string => {
  const lines = [
    `${alert.severity.toUpperCase()}: ${alert.title}`,
    `Occurred at ${alert.occurredAt}`,
    '',
    alert.summary,
    '',
  ];
  const integration = alert.integration;
  if (integration) {
    lines.push(
      labelled('Organization', integration.organizationId ?? alert.organizationId ?? 'unknown'),
      labelled('Location', integration.locationId ?? 'unknown'),
      labelled('Fulfillment service', integration.fulfillmentServiceId ?? 'unknown'),
      labelled('Integration', integration.id),
      labelled('Current state', stateLine(integration)),
      '',
    );
    if (integration.recentHistory.length > 0) {
      lines.push('Recent events (newest first):');
      for (const line of integration.recentHistory) {
        lines.push(`  ${line.date}  ${line.type}  (${line.outcome})`);
      }
      lines.push('');
    }
  }
  for (const fact of alert.facts) lines.push(labelled(fact.label, fact.value));
  if (alert.facts.length > 0) lines.push('');
  lines.push('What to do:', ...numbered(alert.actions));
  lines.push(
    '',
    '--',
    `Severity: ${alert.severity} · kind: ${alert.kind} · incident: ${alert.incidentKey}`,
    'The same incident is alerted once; a repeat of this key is a re-send, not a new incident.',
  );
  return lines.join('\n');
};

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
 * The lines listing a message's entries. The fulfillment service column is left out when it is
 * the group's (a per-service group has one): the heading names it, and SNS's size limit is
 * better spent on more incidents.
 */
export const entryLines = (message: GroupMessage): string[] => {
  const withIntegration = message.entries.filter((entry) => entry.integration !== null);
  const showService =
    message.fulfillmentServiceId === null ||
    withIntegration.some(
      (entry) =>
        entry.integration?.fulfillmentServiceId !== oneLineOrNull(message.fulfillmentServiceId),
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
  for (const entry of message.entries) {
    if (entry.integration === null) lines.push(`${entry.occurredAt}  ${entry.title}`);
  }
  return lines;
};

/**
 * A group message as plain text. One incident reads exactly as `alertText`; many are listed one
 * per line (oldest first), then how many more and the command listing them all, then the
 * runbook of the kind once.
 */
export const groupMessageText = (message: GroupMessage): string => {
  const single = singleAlertOf(message);
  if (single) return alertText(single);
  const more = unlistedCount(message);
  const lines = [`${message.severity.toUpperCase()}: ${message.title}`, '', message.summary, ''];
  lines.push(labelled('Organization', message.organizationId ?? 'unknown'));
  if (isPerService(message.kind)) {
    lines.push(labelled('Fulfillment service', message.fulfillmentServiceId ?? 'unknown'));
  }
  lines.push(
    labelled(
      'Incidents',
      more > 0 ? `${message.total} (${message.entries.length} listed)` : `${message.total}`,
    ),
    '',
  );
  if (message.entries.length > 0) {
    lines.push('Incidents (oldest first):');
    for (const line of entryLines(message)) lines.push(`  ${line}`);
  }
  if (more > 0) lines.push(`  and ${more} more: ${message.listCommand}`);
  lines.push('', 'What to do:', ...numbered(messageActions(message)));
  lines.push(
    '',
    '--',
    `Severity: ${message.severity} · kind: ${message.kind} · group: ${message.groupKey} · message ${message.seq}`,
    `Every incident is reported once; list them all with: ${message.listCommand}`,
  );
  return lines.join('\n');
};
