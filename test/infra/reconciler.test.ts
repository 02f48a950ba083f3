import { beforeAll, describe, expect, it } from 'vitest';
import {
  allowedActions,
  FULL_OPTIONS,
  propertiesOf,
  refOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

describe('Reconciler', () => {
  let synth: SynthesizedStack;
  let hourly: SynthesizedStack;

  beforeAll(() => {
    synth = synthStack({ ...FULL_OPTIONS, reconcileIntervalMinutes: 5, reconcileGraceMinutes: 7 });
    hourly = synthStack(FULL_OPTIONS);
  });

  it('ticks every 10 minutes at most, the interval when shorter', () => {
    expect(propertiesOf(hourly.template, hourly.stack.reconciler.schedule).ScheduleExpression).toBe(
      'rate(10 minutes)',
    );
    expect(propertiesOf(synth.template, synth.stack.reconciler.schedule).ScheduleExpression).toBe(
      'rate(5 minutes)',
    );
  });

  it('runs up to Lambda’s 15 minutes, with the settings as environment and only names of secrets', () => {
    const fn = propertiesOf(synth.template, synth.stack.reconciler.reconciler.function) as {
      Timeout: number;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Timeout).toBe(900);
    expect(fn.Environment.Variables).toMatchObject({
      RECONCILE_INTERVAL_MINUTES: '5',
      RECONCILE_GRACE_MINUTES: '7',
      HAPPYCOLIS_API_RATE: '5',
      HAPPYCOLIS_API_URL: 'https://api-v3.happycolis.com',
      HAPPYCOLIS_CLIENT_ID_SECRET_ID: 'fulfillment-webhooks/dev/secrets',
    });
    expect(Object.keys(fn.Environment.Variables)).not.toContain('HAPPYCOLIS_CLIENT_ID');
  });

  it('may read the secret, the fleet and its own records, schedule flushes, and nothing else', () => {
    const actions = allowedActions(synth.template, synth.stack.reconciler.reconciler);
    for (const action of [
      'secretsmanager:GetSecretValue',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'sqs:SendMessage',
    ]) {
      expect(actions.has(action), action).toBe(true);
    }
    for (const action of [
      'dynamodb:Scan',
      'sns:Publish',
      'sqs:ReceiveMessage',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(actions.has(action), action).toBe(false);
    }
  });

  it('alarms on a failed run, to the alerts topic, and back', () => {
    const alarm = propertiesOf(synth.template, synth.stack.reconciler.failureAlarm);
    const topic = refOf(synth.stack.alerting.topic);
    expect(alarm).toMatchObject({ MetricName: 'Errors', Threshold: 1 });
    expect(alarm.AlarmActions).toEqual([topic]);
    expect(alarm.OKActions).toEqual([topic]);
  });
});
