import { beforeAll, describe, expect, it } from 'vitest';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import {
  arnOf,
  FULL_OPTIONS,
  logicalId,
  propertiesOf,
  refOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

describe('Monitoring', () => {
  let full: SynthesizedStack;
  let bare: SynthesizedStack;

  // Two synths: twice the usual hook time on a busy machine.
  beforeAll(() => {
    full = synthStack({ ...FULL_OPTIONS, clientErrorAlarmThreshold: 80 });
    bare = synthStack();
  }, 120_000);

  const alarms = (synth: SynthesizedStack) =>
    Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map(
      (resource) => resource.Properties as Record<string, unknown>,
    );

  const alarm = (synth: SynthesizedStack, id: string) => {
    const construct = synth.stack.monitoring.node.findChild(id);
    return propertiesOf(synth.template, construct);
  };

  it('sends every alarm, and its recovery but for the daily reminder, to the alerts topic', () => {
    const topic = refOf(full.stack.alerting.topic);
    // Monitoring's own, the reconciler's failure alarm, and one per chat channel's DLQ.
    expect(alarms(full)).toHaveLength(11 + CHAT_CHANNEL_NAMES.length);
    for (const properties of alarms(full)) {
      expect(properties.AlarmActions).toEqual([topic]);
      if (String(properties.AlarmDescription).startsWith('Daily reminder')) {
        expect(properties.OKActions).toBeUndefined();
      } else expect(properties.OKActions).toEqual([topic]);
    }
  });

  it('reminds people every day at 09:00 UTC while the DLQ is not empty, saying when SQS deletes', () => {
    const reminder = alarm(full, 'DeadLettersReminder') as {
      Metrics: { Expression?: string; MetricStat?: { Period: number } }[];
      AlarmDescription: string;
      Threshold: number;
    };
    const expression = reminder.Metrics.find((query) => query.Expression)?.Expression;
    expect(expression).toBe('IF(dlq > 0 AND HOUR(dlq) == 9, 1, 0)');
    expect(reminder.Metrics.find((query) => query.MetricStat)?.MetricStat?.Period).toBe(3600);
    expect(reminder.Threshold).toBe(0);
    expect(reminder.AlarmDescription).toMatch(/14 days after it was FIRST SENT/);
    expect(reminder.AlarmDescription).toMatch(/dlq show .* dlq redrive/);
  });

  it('treats missing data as healthy', () => {
    for (const properties of alarms(full)) {
      expect(properties.TreatMissingData).toBe('notBreaching');
    }
  });

  it('alarms on a single message in the dead-letter queue', () => {
    expect(alarm(full, 'DeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(full.stack.pipeline.deadLetterQueue), 'QueueName'] },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('alarms when the oldest queued event is older than 5 minutes', () => {
    expect(alarm(full, 'QueueBacklog')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(full.stack.pipeline.queue), 'QueueName'] },
        },
      ],
      Threshold: 300,
    });
  });

  it('alarms on any processor or pending-check error', () => {
    for (const [id, fn] of [
      ['ProcessorErrors', full.stack.pipeline.processor],
      ['PendingCheckErrors', full.stack.alerting.pendingCheck],
    ] as const) {
      expect(alarm(full, id)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: refOf(fn.function) }],
        Statistic: 'Sum',
        Threshold: 0,
      });
    }
  });

  it('alarms on any API 5xx within 5 minutes', () => {
    expect(alarm(full, 'Api5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: refOf(full.stack.api.api) }],
      Period: 300,
      Statistic: 'Sum',
      Threshold: 0,
    });
  });

  it('alarms on a 4xx spike above the configured threshold', () => {
    expect(alarm(full, 'Api4xxSpike')).toMatchObject({
      MetricName: '4xx',
      Period: 300,
      Threshold: 80,
    });
    expect(alarm(bare, 'Api4xxSpike').Threshold).toBe(50);
  });

  it('alarms on any 429 of a webhook route, read from the access log, saying what to do', () => {
    const [filter] = Object.values(
      full.template.findResources('AWS::Logs::MetricFilter', {
        Properties: { LogGroupName: refOf(full.stack.api.accessLogGroup) },
      }),
    );
    const pattern = String(
      (filter?.Properties as { FilterPattern?: string } | undefined)?.FilterPattern,
    );
    expect(pattern).toContain('$.status = "429"');
    expect(pattern).toContain('$.routeKey = "POST /webhooks/happycolis"');
    expect(pattern).toContain('$.routeKey = "POST /webhooks/delivery-errors"');
    const throttled = alarm(full, 'WebhookThrottled');
    expect(throttled).toMatchObject({
      MetricName: 'WebhookThrottled',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(throttled.AlarmDescription).toMatch(/200 requests\/s, burst 400/);
    expect(throttled.AlarmDescription).toMatch(/edge filter .* unblock/);
  });

  it('by default: HappyColis route at 200/s, no reserved ingest concurrency, secrets re-read every 5 min, quarantine 90 days, skew 24 h', () => {
    expect(propertiesOf(bare.template, bare.stack.api.stage).RouteSettings).toEqual({
      'POST /webhooks/happycolis': { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
    });
    const ingest = propertiesOf(bare.template, bare.stack.api.ingest.function) as {
      ReservedConcurrentExecutions?: number;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(ingest.ReservedConcurrentExecutions).toBeUndefined();
    expect(ingest.Environment.Variables.SECRET_MAX_AGE_SECONDS).toBe('300');
    for (const fn of [bare.stack.pipeline.processor, bare.stack.ops.writer]) {
      expect(
        (propertiesOf(bare.template, fn.function) as { Environment: { Variables: object } })
          .Environment.Variables,
      ).toMatchObject({ QUARANTINE_DAYS: '90', FUTURE_SKEW_HOURS: '24' });
    }
  });

  it('records and alarms when the data key is disabled or scheduled for deletion, off the data key', () => {
    const keyEvents = full.stack.monitoring.keyEvents;
    if (!keyEvents) throw new Error('no key-events queue');
    const [rule] = Object.values(
      full.template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.kms'] } },
      }),
    );
    expect(rule?.Properties).toMatchObject({
      EventPattern: {
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: ['DisableKey', 'ScheduleKeyDeletion'],
          resources: { ARN: [arnOf(full.stack.table.key)] },
        },
      },
      Targets: [{ Arn: { 'Fn::GetAtt': [logicalId(keyEvents), 'Arn'] } }],
    });
    // The record and the alarm path use no customer key: not the data key, which is the point.
    expect(propertiesOf(full.template, keyEvents)).toMatchObject({ SqsManagedSseEnabled: true });
    expect(propertiesOf(full.template, full.stack.alerting.topic).KmsMasterKeyId).not.toEqual(
      arnOf(full.stack.table.key),
    );
    const disabled = alarm(full, 'DataKeyDisabled');
    expect(disabled).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      AlarmActions: [refOf(full.stack.alerting.topic)],
    });
    expect(disabled.AlarmDescription).toMatch(/enable-key.*cancel-key-deletion/);
  });

  it('watches the Slack dead-letter queue only when Slack is configured', () => {
    const slack = full.stack.alerting.notifiers.slack;
    expect(alarm(full, 'SlackDeadLetters')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [slack ? logicalId(slack.deadLetterQueue) : '', 'QueueName'] },
        },
      ],
    });
    expect(alarms(bare)).toHaveLength(11);
    expect(bare.stack.monitoring.node.tryFindChild('SlackDeadLetters')).toBeUndefined();
  });
});
