import type { IncomingWebhookSendArguments } from '@slack/webhook';
import { boundAlert, stateLine } from '../core/alert-content.ts';
import { digestActions, singleAlertOf } from '../core/alert-digest.ts';
import type { Alert, AlertDigest, DigestEntry } from '../core/alerts.ts';
import {
  SLACK_FIELD_MAX_CHARS,
  SLACK_HEADER_MAX_CHARS,
  SLACK_MAX_BLOCKS,
  SLACK_TEXT_MAX_CHARS,
} from '../core/limits.ts';

/**
 * An alert as a Slack message: Block Kit for people, and a plain `text` that Slack shows in
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

const cut = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;

/** Slack reads `&`, `<` and `>` as markup (links, mentions); sender data must not be. */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Inline code, so ids are copyable and never formatted; a backtick would end it early. */
const code = (text: string): string => `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;

const EVENT_PREFIX = 'location/fulfillment_service_integration/';
const shortType = (type: string): string =>
  type.startsWith(EVENT_PREFIX) ? type.slice(EVENT_PREFIX.length) : type;

const SEVERITY_EMOJI: Readonly<Record<Alert['severity'], string>> = {
  critical: ':rotating_light:',
  warning: ':warning:',
};

/** A resolved notice is good news, whatever the severity of what it resolves. */
const RESOLVED_EMOJI = ':white_check_mark:';

const field = (label: string, value: string): Field => ({
  type: 'mrkdwn',
  text: cut(`*${escapeMrkdwn(label)}*\n${value}`, FIELD_LIMIT),
});

const section = (text: string) => ({
  type: 'section' as const,
  text: { type: 'mrkdwn' as const, text: cut(text, SECTION_LIMIT) },
});

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

export const slackMessage = (raw: Alert): IncomingWebhookSendArguments => {
  const alert = boundAlert(raw);
  const blocks: Blocks = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(
          `${alert.kind === 'integration-resolved' ? RESOLVED_EMOJI : SEVERITY_EMOJI[alert.severity]} ${alert.title}`,
          HEADER_LIMIT,
        ),
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
          `• ${escapeMrkdwn(line.date)}  *${escapeMrkdwn(shortType(line.type))}*  (${escapeMrkdwn(line.outcome)})`,
      );
      blocks.push(section(`*Recent events* (newest first)\n${lines.join('\n')}`));
    }
  }

  if (alert.facts.length > 0) {
    blocks.push(
      ...fieldSections(alert.facts.map((fact) => field(fact.label, escapeMrkdwn(fact.value)))),
    );
  }

  if (alert.actions.length > 0) {
    const steps = alert.actions.map((action, index) => `${index + 1}. ${escapeMrkdwn(action)}`);
    blocks.push(section(`*What to do*\n${steps.join('\n')}`));
  }

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
const DIGEST_FRAME_BLOCKS = 5;

/** One incident of a grouped message as one mrkdwn line: ids as inline code, the time last. */
const entryLine = (entry: DigestEntry): string => {
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
  entries: readonly DigestEntry[],
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

/** The one-line fallback of a grouped message: severity, title, summary. */
export const slackDigestText = (digest: AlertDigest): string => slackText(digest);

/**
 * A grouped message as a Slack message. One incident reads exactly as `slackMessage` renders
 * it. Many are listed one line each in as few sections as they fill; when Block Kit's 50 blocks
 * run out, the rest are counted with the command that lists them all.
 */
export const slackDigestMessage = (digest: AlertDigest): IncomingWebhookSendArguments => {
  const single = singleAlertOf(digest);
  if (single) return slackMessage(single);
  const { texts, listed } = entrySections(digest.entries, SLACK_MAX_BLOCKS - DIGEST_FRAME_BLOCKS);
  const more = digest.total - listed;
  const blocks: Blocks = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(
          `${digest.status === 'resolved' ? RESOLVED_EMOJI : SEVERITY_EMOJI[digest.severity]} ${digest.title}`,
          HEADER_LIMIT,
        ),
        emoji: true,
      },
    },
    section(escapeMrkdwn(digest.summary)),
    ...texts.map((text) => section(text)),
  ];
  if (more > 0) blocks.push(section(`…and ${more} more: ${code(digest.listCommand)}`));
  const actions = digestActions(digest.kind);
  if (actions.length > 0) {
    const steps = actions.map((action, index) => `${index + 1}. ${escapeMrkdwn(action)}`);
    blocks.push(section(`*What to do*\n${steps.join('\n')}`));
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: cut(
          `*${digest.severity.toUpperCase()}* · kind ${code(digest.kind)} · group ${code(digest.groupKey)} · message ${digest.seq}`,
          SECTION_LIMIT,
        ),
      },
    ],
  });
  return { text: slackDigestText(digest), blocks };
};
