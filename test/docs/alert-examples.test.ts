import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../functions/core/alerts.ts';
import { ALERT_EXAMPLES_PAGE, renderAlertExamples } from '../../scripts/alert-examples.ts';

describe('docs/alerts.md', () => {
  it('holds what the alert builders render today (run `npm run docs:alerts` after changing them)', async () => {
    const page = await readFile(ALERT_EXAMPLES_PAGE, 'utf8');
    expect(page).toBe(await renderAlertExamples());
  });

  it('shows every alert kind on both channels, and no access token', async () => {
    const page = await renderAlertExamples();
    for (const kind of ALERT_KINDS) {
      expect(page).toContain(`## \`${kind}\``);
    }
    expect(page.match(/^Slack \(Block Kit/gm)).toHaveLength(7);
    expect(page.match(/^Subject: /gm)).toHaveLength(7);
    expect(page).not.toMatch(/accessToken|tok_/);
  });
});
