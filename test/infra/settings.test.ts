import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSettings, SETTING_DEFAULTS, SettingsError } from '../../lib/cloud/settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('settings from context', () => {
  it('falls back to the documented defaults', () => {
    expect(parseSettings({})).toEqual({
      stage: 'dev',
      alertEmailSeverities: ['critical', 'warning'],
      secretName: 'fulfillment-webhooks/dev/secrets',
      slack: false,
      teams: false,
      dashboard: true,
      processorMaxConcurrency: SETTING_DEFAULTS.processorMaxConcurrency,
      pendingTimeoutHours: 24,
      logRetentionDays: 30,
      logLevel: 'INFO',
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      clientErrorAlarmThreshold: 50,
      alertGroupWindowSeconds: 30,
      alertGroupIntervalSeconds: 300,
      listIndexes: 4,
      reconcileIntervalMinutes: 60,
      reconcileGraceMinutes: 15,
      happycolisApiRate: 5,
      happycolisApiUrl: 'https://api-v3.happycolis.com',
    });
  });

  it('takes the alert grouping from context, the interval no shorter than the window', () => {
    expect(
      parseSettings({ alertGroupWindowSeconds: '60', alertGroupIntervalSeconds: '60' }),
    ).toMatchObject({ alertGroupWindowSeconds: 60, alertGroupIntervalSeconds: 60 });
    expect(() => parseSettings({ alertGroupWindowSeconds: 600 })).toThrow(
      'context "alertGroupIntervalSeconds" must be an integer from 600 (alertGroupWindowSeconds) to 86400, got 300',
    );
    expect(() =>
      parseSettings({ alertGroupWindowSeconds: 120, alertGroupIntervalSeconds: '90' }),
    ).toThrow(
      'context "alertGroupIntervalSeconds" must be an integer from 120 (alertGroupWindowSeconds) to 86400, got "90"',
    );
  });

  it('takes the list indexes one deploy at a time when asked, never none, never more than exist', () => {
    expect(parseSettings({ listIndexes: '1' }).listIndexes).toBe(1);
    expect(() => parseSettings({ listIndexes: 5 })).toThrow(
      'context "listIndexes" must be an integer from 1 to 4, got 5',
    );
    // The stuck-PENDING check reads the first list index, `by-state`.
    expect(() => parseSettings({ listIndexes: 0 })).toThrow(
      'context "listIndexes" must be an integer from 1 to 4, got 0',
    );
  });

  it('accepts command-line strings for numbers and lists', () => {
    expect(
      parseSettings({
        pendingTimeoutHours: '1.5',
        logRetentionDays: '90',
        throttleRateLimit: '10',
        alertEmailSeverities: ' critical ',
        logLevel: 'debug',
        alertEmail: 'ops@example.com',
      }),
    ).toMatchObject({
      pendingTimeoutHours: 1.5,
      logRetentionDays: 90,
      throttleRateLimit: 10,
      alertEmailSeverities: ['critical'],
      logLevel: 'DEBUG',
      alertEmail: 'ops@example.com',
    });
  });

  it('names the one stage secret under the stage unless given', () => {
    expect(parseSettings({ stage: 'prod' })).toMatchObject({
      stage: 'prod',
      secretName: 'fulfillment-webhooks/prod/secrets',
    });
    expect(parseSettings({ stage: 'prod', secretName: 'shared/webhooks' })).toMatchObject({
      secretName: 'shared/webhooks',
    });
  });

  it('reads switches as booleans or as command-line strings', () => {
    expect(parseSettings({ slack: 'true', dashboard: 'FALSE' })).toMatchObject({
      slack: true,
      dashboard: false,
    });
    expect(parseSettings({ slack: true, dashboard: false })).toMatchObject({
      slack: true,
      dashboard: false,
    });
  });

  it('refuses the per-credential secret names of earlier versions, saying what replaced them', () => {
    expect(() => parseSettings({ slackWebhookSecretName: 'x/slack' })).toThrow(
      'context "slackWebhookSecretName" is no longer read: the stage has one secret now: put the URL in its SLACK_WEBHOOK_URL field and deploy with -c slack=true',
    );
    expect(() =>
      parseSettings({ happycolisSecretName: 'a', deliveryErrorTokensSecretName: 'b' }),
    ).toThrow(
      /"happycolisSecretName" is no longer read.*HAPPYCOLIS_SECRETS.*\n.*"deliveryErrorTokensSecretName" is no longer read.*WEBHOOK_TOKENS/,
    );
  });

  it('treats an empty value as not given', () => {
    expect(
      parseSettings({ alertEmail: '', secretName: '', slackWebhookSecretName: '' }),
    ).toMatchObject({ secretName: 'fulfillment-webhooks/dev/secrets' });
    expect(parseSettings({ alertEmail: '' })).not.toHaveProperty('alertEmail');
  });

  it.each([
    [{ alertEmail: 'x' }, 'context "alertEmail" must be an email address, got "x"'],
    [
      { pendingTimeoutHours: '0' },
      'context "pendingTimeoutHours" must be a positive number, got "0"',
    ],
    [
      { pendingTimeoutHours: 'soon' },
      'context "pendingTimeoutHours" must be a positive number, got "soon"',
    ],
    [
      { alertEmailSeverities: 'critical,info' },
      'context "alertEmailSeverities" must be a non-empty comma-separated list of critical, warning, got "critical,info"',
    ],
    [
      { throttleBurstLimit: 2.5 },
      'context "throttleBurstLimit" must be a positive integer, got 2.5',
    ],
    [{ logRetentionDays: 31 }, 'context "logRetentionDays" must be one of 1, 3, 5, 7, 14, 30'],
    [
      { logLevel: 'loud' },
      'context "logLevel" must be one of DEBUG, INFO, WARN, ERROR, got "loud"',
    ],
    [
      { stage: 'Prod' },
      'context "stage" must be 1 to 16 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen, got "Prod"',
    ],
    [{ stage: 'feature-' }, 'context "stage" must be 1 to 16'],
    [{ stage: '1st' }, 'context "stage" must be 1 to 16'],
    [{ stage: 'a-very-long-stage-name' }, 'context "stage" must be 1 to 16'],
    [
      { processorMaxConcurrency: '1' },
      'context "processorMaxConcurrency" must be an integer from 2 to 1000, got "1"',
    ],
    [{ processorMaxConcurrency: 1001 }, 'context "processorMaxConcurrency" must be an integer'],
    [
      { alertGroupWindowSeconds: 0 },
      'context "alertGroupWindowSeconds" must be an integer from 1 to 3600, got 0',
    ],
    [
      { alertGroupWindowSeconds: '3601' },
      'context "alertGroupWindowSeconds" must be an integer from 1 to 3600, got "3601"',
    ],
    [
      { alertGroupWindowSeconds: 2.5 },
      'context "alertGroupWindowSeconds" must be an integer from 1 to 3600, got 2.5',
    ],
    [
      { alertGroupIntervalSeconds: '86401' },
      'context "alertGroupIntervalSeconds" must be an integer from 1 to 86400, got "86401"',
    ],
    [
      { alertGroupIntervalSeconds: 'often' },
      'context "alertGroupIntervalSeconds" must be an integer from 1 to 86400, got "often"',
    ],
    [
      { secretName: '   ' },
      'context "secretName" must be a non-empty Secrets Manager secret name, got "   "',
    ],
    [{ slack: 'yes' }, 'context "slack" must be true or false, got "yes"'],
    [{ dashboard: 0 }, 'context "dashboard" must be true or false, got 0'],
  ])('rejects %j with a message naming the key', (context, message) => {
    expect(() => parseSettings(context)).toThrow(SettingsError);
    expect(() => parseSettings(context)).toThrow(message);
  });

  it('reports every malformed key at once', () => {
    expect(() => parseSettings({ alertEmail: 'x', throttleRateLimit: -1 })).toThrow(
      /alertEmail.*\n.*throttleRateLimit/,
    );
  });

  it('stops the app with the message alone, no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cloud/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ alertEmail: 'x' }) },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('Error: context "alertEmail" must be an email address, got "x"');
  });
});
