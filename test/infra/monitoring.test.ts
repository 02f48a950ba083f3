import { beforeAll, describe, expect, it } from 'vitest';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import {
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

  beforeAll(() => {
    full = synthStack({ ...FULL_OPTIONS, clientErrorAlarmThreshold: 80 });
    bare = synthStack();
  });

  const alarms = (synth: SynthesizedStack) =>
    Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map(
      (resource) => resource.Properties as Record<string, unknown>,
    );

  const alarm = (synth: SynthesizedStack, id: string) => {
    const construct = synth.stack.monitoring.node.findChild(id);
    return propertiesOf(synth.template, construct);
  };

  it('sends every alarm and its recovery to the alerts topic', () => {
    const topic = refOf(full.stack.alerting.topic);
    // Monitoring's own, the reconciler's failure alarm, and one per chat channel's DLQ.
    expect(alarms(full)).toHaveLength(8 + CHAT_CHANNEL_NAMES.length);
    for (const properties of alarms(full)) {
      expect(properties.AlarmActions).toEqual([topic]);
      expect(properties.OKActions).toEqual([topic]);
    }
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
    expect(alarms(bare)).toHaveLength(8);
    expect(bare.stack.monitoring.node.tryFindChild('SlackDeadLetters')).toBeUndefined();
  });
});
