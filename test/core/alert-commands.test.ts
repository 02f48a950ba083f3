import { describe, expect, it } from 'vitest';
import { snsMessageOf } from '../../functions/alerting/channels/email.ts';
import { slackMessage } from '../../functions/alerting/channels/slack.ts';
import { teamsMessage } from '../../functions/alerting/channels/teams.ts';
import { LOCAL_OPS, opsCommand, shellWord } from '../../functions/alerting/domain/commands.ts';
import {
  deadLettersAlert,
  integrationErroredAlert,
  quarantinedAlert,
} from '../../functions/alerting/domain/content.ts';
import {
  groupMessageOf,
  singleAlertMessage,
} from '../../functions/alerting/domain/group-message.ts';
import { groupKeyOf } from '../../functions/alerting/domain/grouping.ts';
import { ALERT_KIND_SPECS } from '../../functions/alerting/domain/kinds.ts';
import { opsTargetOf } from '../../functions/alerting/settings.ts';
import { ALERT_KINDS, type Alert } from '../../functions/core/alerts.ts';
import { historyEntryOf, integrationView } from '../../functions/core/view.ts';
import { lifecycleEvent } from '../support/events.ts';

const PROD = { stage: 'prod', region: 'eu-west-3' } as const;

const errored = (id: string): Alert => {
  const event = lifecycleEvent('errored', { id });
  const history = [historyEntryOf(event, event.header.date)];
  const view = integrationView(id, undefined, history);
  if (!view) throw new Error('no view');
  return integrationErroredAlert(event, view);
};

const quarantined = quarantinedAlert({
  id: 'q-1',
  source: 'happycolis',
  receivedAt: '2024-06-11T14:05:00.000Z',
  errors: [{ path: 'body.state', message: 'Invalid type' }],
});

/**
 * Every `npm run ops -- …` command in a text (JSON escapes and Markdown escapes dropped), up to
 * its closing backtick or quote or the line's end.
 */
const commandsIn = (text: string): string[] =>
  text.replace(/\\/g, '').match(/npm run ops -- [^`\n"]*/g) ?? [];

describe('operator commands in alerts', () => {
  it('name the stage and region they came from, or nothing for a local runtime', () => {
    expect(opsCommand(PROD, 'dlq show')).toBe(
      'npm run ops -- dlq show --stage prod --region eu-west-3',
    );
    expect(opsCommand(LOCAL_OPS, 'dlq show')).toBe('npm run ops -- dlq show');
    expect(opsCommand({ url: 'http://127.0.0.1:4000' }, 'dlq show')).toBe(
      'npm run ops -- dlq show --url http://127.0.0.1:4000',
    );
    expect(shellWord("org 'a'")).toBe(`'org '\\''a'\\'''`);
  });

  it('take the stage from the settings the stack sets', () => {
    expect(opsTargetOf({ ALERT_OPS_STAGE: 'prod', ALERT_OPS_REGION: 'eu-west-3' })).toEqual(PROD);
    expect(opsTargetOf({ ALERT_OPS_STAGE: 'prod' })).toEqual({ stage: 'prod' });
    expect(opsTargetOf({})).toEqual(LOCAL_OPS);
  });

  it('aim every command of a message at the stage, on every channel', () => {
    const alerts = [errored('int-1'), errored('int-2')];
    const group = groupMessageOf({
      groupKey: groupKeyOf(alerts[0] as Alert),
      seq: 1,
      alerts,
      ops: PROD,
    });
    const single = groupMessageOf({
      groupKey: groupKeyOf(quarantined),
      seq: 1,
      alerts: [quarantined],
      ops: PROD,
    });
    for (const message of [group, single]) {
      const rendered = [
        snsMessageOf(message).message,
        JSON.stringify(slackMessage(message)),
        JSON.stringify(teamsMessage(message)),
      ];
      // Email always prints the command listing the group; chat channels where they count.
      expect(commandsIn(rendered[0] ?? '').length).toBeGreaterThan(0);
      for (const text of rendered) {
        for (const command of commandsIn(text)) {
          expect(command).toContain('--stage prod --region eu-west-3');
        }
      }
    }
    for (const text of [
      JSON.stringify(slackMessage(single)),
      JSON.stringify(teamsMessage(single)),
    ]) {
      expect(commandsIn(text).length).toBeGreaterThan(0);
    }
    expect(single.alert?.actions[0]).toContain(
      'npm run ops -- quarantine show q-1 --stage prod --region eu-west-3',
    );
  });

  it('aim a CloudWatch alarm’s runbook at the notifier’s stage', () => {
    const alarm = deadLettersAlert({
      alarmName: 'dlq',
      description: null,
      newState: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed',
      stateChangeTime: '2024-06-11T14:05:00.000Z',
      region: 'eu-west-3',
      accountId: null,
      queueName: 'events-dlq',
    });
    const actions = singleAlertMessage(alarm, PROD).alert?.actions ?? [];
    expect(actions.join('\n')).toContain(
      'npm run ops -- dlq redrive --stage prod --region eu-west-3',
    );
  });

  it('appear in every runbook as the CLI, never as a table key', () => {
    for (const kind of ALERT_KINDS) {
      const spec = ALERT_KIND_SPECS[kind];
      const texts = [
        ...spec.runbook.many(PROD),
        spec.list(PROD, { organizationId: 'o', fulfillmentServiceId: 'f', state: null }),
      ];
      for (const text of texts) {
        expect(text, kind).not.toMatch(/\bpk\b|QUARANTINE#|GET \/integrations/);
        for (const command of commandsIn(text)) expect(command, kind).toContain('--stage prod');
      }
    }
    expect(quarantined.actions.join('\n')).not.toMatch(/QUARANTINE#/);
  });
});
