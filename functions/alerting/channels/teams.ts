import * as v from 'valibot';
import type { Alert, GroupMessage, MessageEntry } from '../../core/alerts.ts';
import { utf8Bytes } from '../../core/limits.ts';
import { boundAlert, COMPACT_ALERT_BOUNDS, shortEventType, stateLine } from '../domain/bounds.ts';
import { messageActions, singleAlertOf } from '../domain/group-message.ts';
import { isPerService } from '../domain/grouping.ts';
import { kindSpec } from '../domain/kinds.ts';
import type { Channel, ChannelExample } from './channel.ts';
import { type JsonWebhook, retryAfterOf, WebhookRefusedError } from './webhook.ts';

/**
 * Microsoft Teams: an Adaptive Card 1.4 posted to a Workflows incoming webhook as
 * `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":<card>}]}`.
 * Teams refuses a message over about 28 KB (`413`) and throttles more than 4 requests a second
 * per webhook (`429`). Rendering is pure and keeps every message within {@link TEAMS_RENDER_MAX_BYTES}:
 * a group lists as many incidents as fit and counts the rest with the command that lists them
 * all; a single alert too large falls back to the compact alert bounds.
 */

/** What Teams accepts per message, about 28 KB of JSON. */
export const TEAMS_MESSAGE_MAX_BYTES = 28_000;
/** What a rendering may take: room left for the request's own framing. */
export const TEAMS_RENDER_MAX_BYTES = TEAMS_MESSAGE_MAX_BYTES - 1_000;
/** Two posts a second: half of what Teams allows a webhook, shared by every notifier. */
export const TEAMS_INTERVAL_MS = 500;

type Element = { readonly type: string; readonly [property: string]: unknown };

/** An Adaptive Card in the envelope a Workflows webhook takes. */
export interface TeamsMessage {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly content: {
        readonly type: 'AdaptiveCard';
        readonly $schema: string;
        readonly version: '1.4';
        readonly msteams: { readonly width: 'Full' };
        readonly body: readonly Element[];
      };
    },
  ];
}

const envelope = (body: readonly Element[]): TeamsMessage => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.4',
        msteams: { width: 'Full' },
        body,
      },
    },
  ],
});

/** The bytes of the message as posted. */
export const teamsMessageBytes = (message: TeamsMessage): number =>
  utf8Bytes(JSON.stringify(message));

/**
 * Teams reads TextBlock and fact text as Markdown: sender data must not become emphasis, a
 * link or a list, so the characters that start those are escaped.
 */
export const escapeMarkdown = (text: string): string => text.replace(/[\\`*_[\]()<>#~|]/g, '\\$&');

const SEVERITY_SIGN: Readonly<Record<Alert['severity'], string>> = {
  critical: '\u{1F6A8}',
  warning: '\u26A0\uFE0F',
};
const RECOVERY_SIGN = '\u2705';
const SEVERITY_COLOR: Readonly<Record<Alert['severity'], string>> = {
  critical: 'Attention',
  warning: 'Warning',
};

const heading = (title: string, severity: Alert['severity'], recovery: boolean): Element => ({
  type: 'TextBlock',
  text: `${recovery ? RECOVERY_SIGN : SEVERITY_SIGN[severity]} ${escapeMarkdown(title)}`,
  size: 'Large',
  weight: 'Bolder',
  color: recovery ? 'Good' : SEVERITY_COLOR[severity],
  wrap: true,
});

const text = (value: string, options: Record<string, unknown> = {}): Element => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...options,
});

const facts = (pairs: readonly (readonly [string, string])[]): Element => ({
  type: 'FactSet',
  facts: pairs.map(([title, value]) => ({
    title: escapeMarkdown(title),
    value: escapeMarkdown(value),
  })),
});

const steps = (actions: readonly string[]): Element[] =>
  actions.length === 0
    ? []
    : [
        text('**What to do**', { spacing: 'Medium' }),
        text(actions.map((action, index) => `${index + 1}. ${escapeMarkdown(action)}`).join('\n')),
      ];

const footer = (line: string): Element =>
  text(line, { isSubtle: true, size: 'Small', spacing: 'Medium' });

const alertCard = (alert: Alert): TeamsMessage => {
  const integration = alert.integration;
  const body: Element[] = [
    heading(alert.title, alert.severity, kindSpec(alert.kind).tone === 'recovery'),
    text(escapeMarkdown(alert.summary)),
  ];
  body.push(
    facts([
      ['Occurred', alert.occurredAt],
      ...(integration
        ? ([
            ['Organization', integration.organizationId ?? alert.organizationId ?? 'unknown'],
            ['Location', integration.locationId ?? 'unknown'],
            ['Fulfillment service', integration.fulfillmentServiceId ?? 'unknown'],
            ['Integration', integration.id],
            ['State', stateLine(integration)],
          ] as const)
        : []),
      ...alert.facts.map((fact) => [fact.label, fact.value] as const),
    ]),
  );
  if (integration && integration.recentHistory.length > 0) {
    body.push(
      text('**Recent events** (newest first)', { spacing: 'Medium' }),
      text(
        integration.recentHistory
          .map(
            (line) =>
              `- ${escapeMarkdown(line.date)} **${escapeMarkdown(shortEventType(line.type))}** (${escapeMarkdown(line.outcome)})`,
          )
          .join('\n'),
      ),
    );
  }
  body.push(
    ...steps(alert.actions),
    footer(
      escapeMarkdown(
        `${alert.severity.toUpperCase()} · kind ${alert.kind} · incident ${alert.incidentKey}`,
      ),
    ),
  );
  return envelope(body);
};

/** One incident of a group as one list line: where, which integration, when. */
const entryLine = (message: GroupMessage, entry: MessageEntry): string => {
  const integration = entry.integration;
  if (!integration) return `- ${escapeMarkdown(entry.title)} · ${escapeMarkdown(entry.occurredAt)}`;
  const service =
    isPerService(message.kind) && integration.fulfillmentServiceId === message.fulfillmentServiceId
      ? []
      : [integration.fulfillmentServiceId ?? 'unknown'];
  return `- ${[integration.locationId ?? 'unknown', ...service, integration.id, entry.occurredAt]
    .map(escapeMarkdown)
    .join(' · ')}`;
};

/**
 * A group's card: heading, summary, what the incidents share, as many incident lines as fit
 * the budget (oldest first), how many more with the command listing them all, the runbook
 * once. `listed` caps the lines (0 for the shortest card).
 */
const groupCard = (message: GroupMessage, listed = message.entries.length): TeamsMessage => {
  const frame = (lines: readonly string[], more: number): TeamsMessage =>
    envelope([
      heading(message.title, message.severity, message.status === 'resolved'),
      text(escapeMarkdown(message.summary)),
      facts([
        ['Organization', message.organizationId ?? 'unknown'],
        ...(isPerService(message.kind)
          ? ([['Fulfillment service', message.fulfillmentServiceId ?? 'unknown']] as const)
          : []),
        ['Incidents', `${message.total}`],
      ]),
      ...(lines.length > 0 ? [text(lines.join('\n'), { spacing: 'Medium' })] : []),
      ...(more > 0
        ? [text(`…and ${more} more: ${escapeMarkdown(message.listCommand)}`, { weight: 'Bolder' })]
        : []),
      ...steps(messageActions(message)),
      footer(
        escapeMarkdown(
          `${message.severity.toUpperCase()} · kind ${message.kind} · group ${message.groupKey} · message ${message.seq}`,
        ),
      ),
    ]);
  const candidates = message.entries.slice(0, listed).map((entry) => entryLine(message, entry));
  // The frame with the largest "more" it can show, then each line at its JSON cost ("\n" is 2).
  let budget = TEAMS_RENDER_MAX_BYTES - teamsMessageBytes(frame([''], message.total));
  const lines: string[] = [];
  for (const line of candidates) {
    // The line as a JSON string without its quotes, and the "\n" joining it (2 bytes).
    const cost = utf8Bytes(JSON.stringify(line));
    if (cost > budget) break;
    budget -= cost;
    lines.push(line);
  }
  return frame(lines, message.total - lines.length);
};

/**
 * A group message as a Teams message, within {@link TEAMS_RENDER_MAX_BYTES}. One incident reads
 * like its alert (compact bounds if the usual ones do not fit); many are listed as far as the
 * budget goes, and counted beyond.
 */
export const teamsMessage = (message: GroupMessage): TeamsMessage => {
  const single = singleAlertOf(message);
  if (!single) return groupCard(message);
  const card = alertCard(boundAlert(single));
  if (teamsMessageBytes(card) <= TEAMS_RENDER_MAX_BYTES) return card;
  return alertCard(boundAlert(single, COMPACT_ALERT_BOUNDS));
};

/**
 * The shortest card for a message Teams refused as too large (`413`): nothing listed or
 * quoted beyond the title, the count, the command that lists the incidents, and the runbook.
 */
export const compactTeamsMessage = (message: GroupMessage): TeamsMessage => {
  const single = singleAlertOf(message);
  if (!single) return groupCard(message, 0);
  const alert = boundAlert(single, { ...COMPACT_ALERT_BOUNDS, facts: 0 });
  return alertCard({ ...alert, integration: undefined });
};

const CardElement = v.variant('type', [
  v.object({ type: v.literal('TextBlock'), text: v.string() }),
  v.object({
    type: v.literal('FactSet'),
    facts: v.array(v.object({ title: v.string(), value: v.string() })),
  }),
]);

/** The Teams card as a person reads it: its elements in order, Markdown escapes undone. */
const teamsAsText = (message: TeamsMessage): string =>
  message.attachments[0].content.body
    .map((input) => {
      const element = v.parse(CardElement, input);
      return element.type === 'TextBlock'
        ? element.text
        : element.facts.map((fact) => `${fact.title}: ${fact.value}`).join('\n');
    })
    .join('\n\n')
    .replace(/\\(.)/g, '$1');

/** How the docs show a Teams message. */
export const teamsExample: ChannelExample = {
  format: 'Adaptive Card',
  asText: (message) => teamsAsText(teamsMessage(message)),
  asPosted: teamsMessage,
};

/**
 * Teams as a channel: Adaptive Cards over a Workflows webhook, two posts a second, a `429`
 * waited out for its `Retry-After` up to three tries of at most 10 s each, and a `413` answered
 * with the compact card.
 */
export const teamsChannel = (webhook: JsonWebhook): Channel<TeamsMessage> => ({
  name: 'teams',
  label: 'Teams',
  limits: { minIntervalMs: TEAMS_INTERVAL_MS, maxAttempts: 3, maxRetryAfterMs: 10_000 },
  render: teamsMessage,
  send: (payload) => webhook.send(payload),
  retryAfterOf,
  fallback: (message, error) =>
    error instanceof WebhookRefusedError && error.statusCode === 413
      ? compactTeamsMessage(message)
      : undefined,
});
