import type { IncomingWebhookSendArguments } from '@slack/webhook';
import { boundAlert, stateLine } from '../core/alert-content.ts';
import type { Alert } from '../core/alerts.ts';
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
export const slackText = (alert: Alert): string =>
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
        text: cut(`${SEVERITY_EMOJI[alert.severity]} ${alert.title}`, HEADER_LIMIT),
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
