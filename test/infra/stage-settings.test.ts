import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNELS_OUTPUT,
  checkAlertChannels,
  type DeployedChannels,
  parseAlertChannels,
} from '../../lib/cloud/alert-channels.ts';
import { SETTING_KEYS, SettingsError, stackName } from '../../lib/cloud/settings.ts';
import { FulfillmentWebhooksStack } from '../../lib/cloud/stack.ts';
import { readStageFile, resolveStageSettings, STAGES_DIR } from '../../lib/cloud/stage-file.ts';
import { testContext } from './support.ts';

/** A whole stack, synthesized on a busy machine. */
const SYNTH_TIMEOUT = 120_000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeEach(() => {
  // Named like the repository's folder, as messages show it.
  dir = join(mkdtempSync(join(tmpdir(), 'stage-files-')), 'stages');
  mkdirSync(dir);
});
afterEach(() => rmSync(dirname(dir), { recursive: true, force: true }));

const writeStage = (stage: string, values: unknown) =>
  writeFileSync(join(dir, `${stage}.json`), JSON.stringify(values, null, 2));

interface Deploy {
  readonly template: ReturnType<Template['toJSON']>;
  readonly refusal?: string;
  readonly notes: readonly string[];
}

/**
 * What `npx cdk deploy` with this context does, as lib/cloud/app.ts does it: the stage file
 * overridden by context, the channel check against what is deployed, then the stack.
 */
const plan = (context: Record<string, unknown>, deployed: DeployedChannels) => {
  const { settings, file, allowChannelRemoval } = resolveStageSettings(context, dir);
  const check = checkAlertChannels({
    stage: settings.stage,
    settings,
    ...(file ? { file } : {}),
    deployed,
    allowRemoval: allowChannelRemoval,
  });
  return { settings, ...check };
};

/** {@link plan}, then the stack it builds (the slow part: a whole stack, synthesized). */
const deploy = (context: Record<string, unknown>, deployed: DeployedChannels): Deploy => {
  const { settings, ...check } = plan(context, deployed);
  const app = new App({ context: testContext() });
  const stack = new FulfillmentWebhooksStack(app, stackName(settings.stage), {
    settings,
    env: { account: '123456789012', region: 'eu-west-3' },
  });
  return { template: Template.fromStack(stack).toJSON(), ...check };
};

/** What DescribeStacks would answer after a deploy of `template`. */
const deployedAfter = (done: Deploy): DeployedChannels => ({
  known: true,
  exists: true,
  channels: parseAlertChannels(done.template.Outputs[ALERT_CHANNELS_OUTPUT].Value),
});

const NOTHING_DEPLOYED: DeployedChannels = { known: true, exists: false, channels: [] };

/** The alert channels a template sets up: email endpoints, and whether Slack is wired. */
const channelsOf = (template: Deploy['template']) => {
  const resources = Object.values(template.Resources) as {
    Type: string;
    Properties: Record<string, unknown>;
  }[];
  return {
    emails: resources
      .filter((r) => r.Type === 'AWS::SNS::Subscription' && r.Properties.Protocol === 'email')
      .map((r) => r.Properties.Endpoint),
    slackNotifier: resources.some(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties.Environment ?? {}).includes('SLACK_WEBHOOK_SECRET_ID'),
    ),
    output: template.Outputs[ALERT_CHANNELS_OUTPUT].Value,
  };
};

describe('a stage file', () => {
  it('keeps every channel on a redeploy with no -c flag', { timeout: SYNTH_TIMEOUT }, () => {
    writeStage('prod', { alertEmail: 'oncall@example.com', slack: true, dashboard: false });
    const first = deploy({ stage: 'prod' }, NOTHING_DEPLOYED);
    expect(first.refusal).toBeUndefined();
    expect(channelsOf(first.template)).toEqual({
      emails: ['oncall@example.com'],
      slackNotifier: true,
      output: 'email:oncall@example.com slack',
    });

    // The redeploy: the same file, no flag repeated.
    const second = deploy({ stage: 'prod' }, deployedAfter(first));
    expect(second.refusal).toBeUndefined();
    expect(second.notes).toEqual([]);
    expect(channelsOf(second.template)).toEqual(channelsOf(first.template));
    expect(second.template.Outputs.DashboardName).toBeUndefined();
  });

  it('is overridden by context, key by key', () => {
    writeStage('prod', { alertEmail: 'oncall@example.com', throttleRateLimit: 20 });
    const { settings } = resolveStageSettings({ stage: 'prod', throttleRateLimit: '80' }, dir);
    expect(settings).toMatchObject({
      alertEmail: 'oncall@example.com',
      throttleRateLimit: 80,
      secretName: 'fulfillment-webhooks/prod/secrets',
    });
  });

  it('stops a deploy that would drop a channel the deployed stack has, unless allowed', {
    timeout: SYNTH_TIMEOUT,
  }, () => {
    writeStage('prod', { alertEmail: 'oncall@example.com', slack: true });
    const first = deploy({ stage: 'prod' }, NOTHING_DEPLOYED);
    // Someone edits the file and drops Slack, and changes the address.
    writeStage('prod', { alertEmail: 'team@example.com' });
    const refused = plan({ stage: 'prod' }, deployedAfter(first));
    expect(refused.refusal).toBe(
      'this deploy would remove alert channels of stage prod: email to oncall@example.com (the deployed stack has it), slack (the deployed stack has it). Keep them in stages/prod.json, or deploy with -c allowChannelRemoval=true to remove them',
    );
    const allowed = deploy({ stage: 'prod', allowChannelRemoval: 'true' }, deployedAfter(first));
    expect(allowed.refusal).toBeUndefined();
    expect(allowed.notes).toEqual([
      'removing alert channels of stage prod: email to oncall@example.com (the deployed stack has it), slack (the deployed stack has it)',
    ]);
    expect(channelsOf(allowed.template)).toMatchObject({
      emails: ['team@example.com'],
      slackNotifier: false,
    });
  });

  it('stops a -c flag that switches off a channel of the file, even when the stack cannot be read', () => {
    writeStage('prod', { alertEmail: 'oncall@example.com', slack: true });
    const unknown: DeployedChannels = { known: false, reason: 'no credentials' };
    for (const context of [{ slack: 'false' }, { alertEmail: '' }]) {
      const done = plan({ stage: 'prod', ...context }, unknown);
      expect(done.refusal).toMatch(/^this deploy would remove alert channels of stage prod: /);
      expect(done.refusal).toContain('(stages/prod.json has it, context switches it off)');
    }
    const adding = plan({ stage: 'prod', alertEmailSeverities: 'critical' }, unknown);
    expect(adding.refusal).toBeUndefined();
    expect(adding.notes).toEqual([
      'could not compare the alert channels with the deployed stack (no credentials); `npx cdk diff -c stage=prod` shows any subscription this deploy removes',
    ]);
  });

  it('says a stage without a file must repeat its flags', () => {
    const done = plan({ stage: 'adhoc', slack: 'true' }, NOTHING_DEPLOYED);
    expect(done.refusal).toBeUndefined();
    expect(done.notes[0]).toMatch(/^stage adhoc has no stages\/adhoc\.json: /);
  });

  it.each([
    [['not', 'an', 'object'], /must hold a JSON object of settings/],
    [{ slak: true }, /unknown setting "slak" \(known: alertEmail, /],
    [{ stage: 'prod' }, /"stage" is the file's name, not a setting in it/],
    [{ allowChannelRemoval: true }, /"allowChannelRemoval" is a switch of one deploy/],
    [{ alertEmail: 'x' }, /: "alertEmail" must be an email address, got "x"/],
  ])('refuses a malformed file %j, naming it', (values, message) => {
    writeStage('prod', values);
    expect(() => readStageFile('prod', dir)).toThrow(SettingsError);
    expect(() => readStageFile('prod', dir)).toThrow(message);
  });

  it('refuses a file that is not JSON', () => {
    writeFileSync(join(dir, 'prod.json'), '{"slack": true,');
    expect(() => readStageFile('prod', dir)).toThrow(/prod\.json must hold a JSON object/);
  });

  it('holds only valid settings in the repository', () => {
    for (const name of readdirSync(STAGES_DIR).filter((file) => file.endsWith('.json'))) {
      expect(readStageFile(name.replace(/\.json$/, ''))).toBeDefined();
    }
  });

  it('is not overridden by cdk.json, which holds no setting', () => {
    const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    expect(
      Object.keys(cdkJson.context).filter((key) => SETTING_KEYS.includes(key as never)),
    ).toEqual([]);
  });

  it('stops the app before anything is built when a flag would drop a channel', {
    timeout: SYNTH_TIMEOUT,
  }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cloud/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_DEFAULT_ACCOUNT: '',
        CDK_CONTEXT_JSON: JSON.stringify({ stage: 'example', slack: 'false' }),
      },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'Error: this deploy would remove alert channels of stage example: slack (stages/example.json has it, context switches it off)',
    );
  });
});
