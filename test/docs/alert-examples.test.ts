import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../functions/core/alerts.ts';
import { ALERT_EXAMPLES_PAGE, renderAlertExamples } from '../../scripts/alert-examples.ts';
import { adaptiveCardProblems } from '../support/adaptive-cards.ts';

describe('docs/alerts.md', () => {
  it('holds what the alert builders render today (run `npm run docs:alerts` after changing them)', async () => {
    const page = await readFile(ALERT_EXAMPLES_PAGE, 'utf8');
    expect(page).toBe(await renderAlertExamples());
  });

  it('shows every alert kind on every channel, and no access token', async () => {
    const page = await renderAlertExamples();
    for (const kind of ALERT_KINDS) {
      expect(page).toContain(`## \`${kind}\``);
    }
    // Every kind once, plus the dead-letters alarm back to OK.
    const singles = ALERT_KINDS.length + 1;
    // And the three grouped messages.
    expect(page.match(/^Slack \(Block Kit, shown as text\)/gm)).toHaveLength(singles + 3);
    expect(page.match(/^Teams \(Adaptive Card, shown as text\)/gm)).toHaveLength(singles + 3);
    expect(page.match(/^Subject: /gm)).toHaveLength(singles + 3);
    expect(page).not.toMatch(/accessToken|tok_|fsi-sample-access-token/);
  });

  it('shows a grouped message and a grouped resolved notice, as text and as Block Kit JSON', async () => {
    const page = await renderAlertExamples();
    const grouped = page.slice(page.indexOf('## Grouped messages'));
    expect(
      grouped.match(/^### `integration-errored\|[^`]+` \(firing, 3 incidents\)$/gm),
    ).toHaveLength(1);
    expect(
      grouped.match(/^### `integration-errored\|[^`]+\|resolved` \(resolved, 3 incidents\)$/gm),
    ).toHaveLength(1);
    expect(grouped.match(/^Slack \(Block Kit JSON, as posted\):$/gm)).toHaveLength(3);
    expect(grouped.match(/^Teams \(Adaptive Card JSON, as posted\):$/gm)).toHaveLength(3);
    expect(
      grouped.match(/^Subject: \[CRITICAL\] 3 fulfillment integrations errored/gm),
    ).toHaveLength(1);
    expect(
      grouped.match(/^Subject: \[CRITICAL\] Resolved: 3 fulfillment integrations ACTIVE again/gm),
    ).toHaveLength(1);
  });

  it('shows Teams cards that Microsoft’s Adaptive Cards library reads as valid 1.4 cards', async () => {
    const page = await renderAlertExamples();
    const posted = [
      ...page.matchAll(/^Teams \(Adaptive Card JSON, as posted\):\n\n```json\n([\s\S]*?)\n```$/gm),
    ];
    expect(posted).toHaveLength(3);
    for (const [, json] of posted) {
      const message = JSON.parse(json ?? '');
      expect(message.type).toBe('message');
      expect(adaptiveCardProblems(message.attachments[0].content)).toEqual([]);
    }
  });

  it('shows several drifting integrations of one organization as a probably blocked queue', async () => {
    const page = await renderAlertExamples();
    const grouped = page.slice(page.indexOf('### `integration-drift|'));
    expect(grouped).toMatch(
      /^Subject: \[CRITICAL\] 3 integrations disagree with HappyColis: its webhook queue is probably blocked/m,
    );
    expect(grouped).toContain(
      "probably blocked the application's webhook queue since about 2024-06-12T09:00:00.000Z, the oldest disagreement",
    );
    expect(grouped).toContain('Contact HappyColis support');
  });
});
