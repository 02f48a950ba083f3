import type { IncomingWebhookSendArguments } from '@slack/webhook';
import * as v from 'valibot';
import type { Alert, GroupMessage, MessageEntry } from '../../core/alerts.ts';
import {
  SLACK_FIELD_MAX_CHARS,
  SLACK_HEADER_MAX_CHARS,
  SLACK_MAX_BLOCKS,
  SLACK_TEXT_MAX_CHARS,
  truncateChars,
} from '../../core/limits.ts';
import { boundAlert, shortEventType, stateLine } from '../domain/bounds.ts';
import { messageActions, singleAlertOf } from '../domain/group-message.ts';
import { kindSpec } from '../domain/kinds.ts';
import type { Channel, ChannelExample } from './channel.ts';
import type { SlackWebhook } from './slack-webhook.ts';
import { retryAfterOf } from './webhook.ts';

/**
 * Alerts as Slack messages: Block Kit for people, and a plain `text` that Slack shows in
 * notifications and where blocks cannot be rendered. Pure: the alert in, the payload out.
 * Texts are cut to Block Kit's limits, because an oversized block makes Slack refuse the whole
 * post (`invalid_blocks`), which would only end in the DLQ.
 */

type Blocks = NonNullable<IncomingWebhookSendArguments['blocks']>;
type Field = { type: 'mrkdwn'; text: string };

const HEADER_LIMIT = SLACK_HEADER_MAX_CHARS;
const SECTION_LIMIT = SLACK_TEXT_MAX_CHARS;
const FIELD_LIMIT = SLACK_FIELD_MAX_CHARS;
const FIELDS_PER_SECTION = 10;
const TEXT_LIMIT = SLACK_TEXT_MAX_CHARS;

const cut = truncateChars;

/** Slack reads `&`, `<` and `>` as markup (links, mentions); sender data must not be. */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Inline code, so ids are copyable and never formatted; a backtick would end it early. */
const code = (text: string): string => `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;

const SEVERITY_EMOJI: Readonly<Record<Alert['severity'], string>> = {
  critical: ':rotating_light:',
  warning: ':warning:',
};

/** A recovery is good news, whatever the severity of what it resolves. */
const RECOVERY_EMOJI = ':white_check_mark:';

const emojiOf = (kind: Alert['kind'], severity: Alert['severity']): string =>
  kindSpec(kind).tone === 'recovery' ? RECOVERY_EMOJI : SEVERITY_EMOJI[severity];

const field = (label: string, value: string): Field => ({
  type: 'mrkdwn',
  text: cut(`*${escapeMrkdwn(label)}*\n${value}`, FIELD_LIMIT),
});

const section = (text: string) => ({
  type: 'section' as const,
  text: { type: 'mrkdwn' as const, text: cut(text, SECTION_LIMIT) },
});

/** The numbered runbook section of a message. */
const whatToDo = (actions: readonly string[]) =>
  section(
    `*What to do*\n${actions.map((action, index) => `${index + 1}. ${escapeMrkdwn(action)}`).join('\n')}`,
  );

const fieldSections = (fields: readonly Field[]) => {
  const sections = [];
  for (let i = 0; i < fields.length; i += FIELDS_PER_SECTION) {
    sections.push({ type: 'section' as const, fields: fields.slice(i, i + FIELDS_PER_SECTION) });
  }
  return sections;
};

/** The one-line fallback: severity, title, summary. */
export const slackText = (alert: Pick<Alert, 'severity' | 'title' | 'summary'>): string =>
  cut(
    escapeMrkdwn(`[${alert.severity.toUpperCase()}] ${alert.title}: ${alert.summary}`),
    TEXT_LIMIT,
  );

/** One incident's alert as a Slack message. */
export const slackAlertMessage = (raw: Alert): IncomingWebhookSendArguments => {
  const alert = boundAlert(raw);
  const blocks: Blocks = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(`${emojiOf(alert.kind, alert.severity)} ${alert.title}`, HEADER_LIMIT),
        emoji: true,
      },
    },
    section(`${escapeMrkdwn(alert.summary)}\n*Occurred:* ${escapeMrkdwn(alert.occurredAt)}`),
  ];

  const integration = alert.integration;
  if (integration) {
    blocks.push(
      ...fieldSections([
        field(
          'Organization',
          code(integration.organizationId ?? alert.organizationId ?? 'unknown'),
        ),
        field('Location', code(integration.locationId ?? 'unknown')),
        field('Fulfillment service', code(integration.fulfillmentServiceId ?? 'unknown')),
        field('Integration', code(integration.id)),
        field('State', escapeMrkdwn(stateLine(integration))),
      ]),
    );
    if (integration.recentHistory.length > 0) {
      const lines = integration.recentHistory.map(
        (line) =>
          `• ${escapeMrkdwn(line.date)}  *${escapeMrkdwn(shortEventType(line.type))}*  (${escapeMrkdwn(line.outcome)})`,
      );
      blocks.push(section(`*Recent events* (newest first)\n${lines.join('\n')}`));
    }
  }

  if (alert.facts.length > 0) {
    blocks.push(
      ...fieldSections(alert.facts.map((fact) => field(fact.label, escapeMrkdwn(fact.value)))),
    );
  }

  if (alert.actions.length > 0) blocks.push(whatToDo(alert.actions));

  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: cut(
          `*${alert.severity.toUpperCase()}* · kind ${code(alert.kind)} · incident ${code(alert.incidentKey)}`,
          SECTION_LIMIT,
        ),
      },
    ],
  });

  // Bounded lists keep far below Slack's block limit; the cap is a last guard, not a rule.
  return { text: slackText(alert), blocks: blocks.slice(0, SLACK_MAX_BLOCKS) };
};

/** Blocks a grouped message keeps for its header, summary, "and N more", actions and context. */
const FRAME_BLOCKS = 5;

/** One incident of a grouped message as one mrkdwn line: ids as inline code, the time last. */
const entryLine = (entry: MessageEntry): string => {
  const integration = entry.integration;
  const line = integration
    ? `• ${code(integration.locationId ?? 'unknown')} · ${code(integration.fulfillmentServiceId ?? 'unknown')} · ${code(integration.id)} · ${escapeMrkdwn(entry.occurredAt)}`
    : `• ${escapeMrkdwn(entry.title)} · ${escapeMrkdwn(entry.occurredAt)}`;
  return cut(line, SECTION_LIMIT);
};

/**
 * The entries packed into as few sections as they fill (one line each), within `maxSections`.
 * Returns the sections and how many entries they list.
 */
const entrySections = (
  entries: readonly MessageEntry[],
  maxSections: number,
): { readonly texts: string[]; readonly listed: number } => {
  const texts: string[] = [];
  let current = '';
  let listed = 0;
  for (const entry of entries) {
    const line = entryLine(entry);
    if (current !== '' && current.length + 1 + line.length <= SECTION_LIMIT) {
      current = `${current}\n${line}`;
    } else {
      if (current !== '') texts.push(current);
      if (texts.length === maxSections) return { texts, listed };
      current = line;
    }
    listed += 1;
  }
  if (current !== '') texts.push(current);
  return { texts, listed };
};

/**
 * A group message as a Slack message. One incident reads exactly as `slackAlertMessage`
 * renders it. Many are listed one line each in as few sections as they fill; when Block Kit's
 * 50 blocks run out, the rest are counted with the command that lists them all.
 */
export const slackMessage = (message: GroupMessage): IncomingWebhookSendArguments => {
  const single = singleAlertOf(message);
  if (single) return slackAlertMessage(single);
  const { texts, listed } = entrySections(message.entries, SLACK_MAX_BLOCKS - FRAME_BLOCKS);
  const more = message.total - listed;
  const blocks: Blocks = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(
          `${message.status === 'resolved' ? RECOVERY_EMOJI : SEVERITY_EMOJI[message.severity]} ${message.title}`,
          HEADER_LIMIT,
        ),
        emoji: true,
      },
    },
    section(escapeMrkdwn(message.summary)),
    ...texts.map((text) => section(text)),
  ];
  if (more > 0) blocks.push(section(`…and ${more} more: ${code(message.listCommand)}`));
  const actions = messageActions(message);
  if (actions.length > 0) blocks.push(whatToDo(actions));
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: cut(
          `*${message.severity.toUpperCase()}* · kind ${code(message.kind)} · group ${code(message.groupKey)} · message ${message.seq}`,
          SECTION_LIMIT,
        ),
      },
    ],
  });
  return { text: slackText(message), blocks };
};

const Text = v.object({ text: v.string() });
/** The block types the alert builders emit, as far as a reader sees them. */
const RenderedBlock = v.variant('type', [
  v.object({ type: v.literal('header'), text: Text }),
  v.object({
    type: v.literal('section'),
    text: v.optional(Text),
    fields: v.optional(v.array(Text)),
  }),
  v.object({ type: v.literal('context'), elements: v.array(v.looseObject({ text: v.string() })) }),
]);

/** The Slack message as a person reads it: Block Kit blocks in order, as plain paragraphs. */
const slackAsText = (message: IncomingWebhookSendArguments): string =>
  (message.blocks ?? [])
    .map((input) => {
      const block = v.parse(RenderedBlock, input);
      if (block.type === 'header') return block.text.text;
      if (block.type === 'context') return block.elements.map((element) => element.text).join(' ');
      return [
        ...(block.text ? [block.text.text] : []),
        ...(block.fields
          ? [block.fields.map((field) => field.text.replace('\n', ': ')).join('\n')]
          : []),
      ].join('\n\n');
    })
    .join('\n\n');

/** How the docs show a Slack message. */
export const slackExample: ChannelExample = {
  format: 'Block Kit',
  asText: (message) => slackAsText(slackMessage(message)),
  asPosted: slackMessage,
};

/** Slack allows about one message per second per incoming webhook. */
export const SLACK_INTERVAL_MS = 1_000;

/**
 * Slack as a channel: Block Kit over an incoming webhook, one message a second, a `429` waited
 * out for its `Retry-After` up to three tries of at most 10 s each.
 */
export const slackChannel = (webhook: SlackWebhook): Channel<IncomingWebhookSendArguments> => ({
  name: 'slack',
  label: 'Slack',
  limits: { minIntervalMs: SLACK_INTERVAL_MS, maxAttempts: 3, maxRetryAfterMs: 10_000 },
  render: slackMessage,
  send: async (payload) => {
    await webhook.send(payload);
  },
  retryAfterOf,
});
