import { describe, expect, it } from 'vitest';
import { LocalConfigError, loadLocalConfig } from '../../lib/local/config.ts';

describe('local chat channels', () => {
  it('posts to each chat channel whose webhook URL is set, and to none by default', () => {
    expect(loadLocalConfig({}).chatWebhooks).toEqual({});
    expect(
      loadLocalConfig({
        SLACK_WEBHOOK_URL: 'https://hooks.slack.test/services/T/B/X',
        TEAMS_WEBHOOK_URL: 'https://teams.test/workflows/1/invoke',
      }).chatWebhooks,
    ).toEqual({
      slack: 'https://hooks.slack.test/services/T/B/X',
      teams: 'https://teams.test/workflows/1/invoke',
    });
    expect(
      loadLocalConfig({ TEAMS_WEBHOOK_URL: 'https://teams.test/workflows/1/invoke' }).chatWebhooks,
    ).toEqual({ teams: 'https://teams.test/workflows/1/invoke' });
  });

  it('refuses a webhook URL that is not one, naming the variable', () => {
    expect(() => loadLocalConfig({ TEAMS_WEBHOOK_URL: 'teams' })).toThrow(LocalConfigError);
    expect(() => loadLocalConfig({ TEAMS_WEBHOOK_URL: 'teams' })).toThrow(
      'TEAMS_WEBHOOK_URL must be a URL',
    );
  });
});
