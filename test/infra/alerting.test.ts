import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHAT_CHANNEL_NAMES,
  CHAT_CHANNELS,
  secretIdVariableOf,
} from '../../functions/definitions/alert-channels.ts';
import {
  allowedActions,
  arnOf,
  FULL_OPTIONS,
  propertiesOf,
  refOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

/** The default stage secret of stage `dev`. */
const STAGE_SECRET = 'fulfillment-webhooks/dev/secrets';

describe('Alerting', () => {
  let full: SynthesizedStack;
  let bare: SynthesizedStack;
  let criticalOnly: SynthesizedStack;

  beforeAll(() => {
    full = synthStack({ ...FULL_OPTIONS, pendingTimeoutHours: '6' });
    bare = synthStack();
    criticalOnly = synthStack({
      alertEmail: 'oncall@example.com',
      alertEmailSeverities: 'critical',
    });
  });

  const subscriptions = (synth: SynthesizedStack, protocol: string) =>
    Object.values(
      synth.template.findResources('AWS::SNS::Subscription', {
        Properties: { Protocol: protocol },
      }),
    ).map((resource) => resource.Properties as Record<string, unknown>);

  describe('topic', () => {
    it("is named by CloudFormation, encrypted with the stage's one key", () => {
      expect(propertiesOf(full.template, full.stack.alerting.topic)).not.toHaveProperty(
        'TopicName',
      );
      expect(propertiesOf(full.template, full.stack.alerting.topic)).toMatchObject({
        KmsMasterKeyId: arnOf(full.stack.alerting.key),
      });
      expect(full.stack.alerting.key).toBe(full.stack.table.key);
      expect(propertiesOf(full.template, full.stack.alerting.key)).toMatchObject({
        EnableKeyRotation: true,
      });
    });

    it('refuses publishing without TLS', () => {
      full.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [refOf(full.stack.alerting.topic)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Resource: refOf(full.stack.alerting.topic),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Sid: Match.anyValue(),
            },
          ]),
        },
      });
    });

    it("lets CloudWatch publish, but only for this account's alarms", () => {
      full.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [refOf(full.stack.alerting.topic)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: refOf(full.stack.alerting.topic),
              Condition: {
                ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-3:123456789012:alarm:*' },
                StringEquals: { 'aws:SourceAccount': '123456789012' },
              },
            }),
          ]),
        },
      });
    });

    it('lets CloudWatch alarms use its key, so alarm notifications are delivered', () => {
      const policy = propertiesOf(full.template, full.stack.alerting.key).KeyPolicy as {
        Statement: { Principal?: { Service?: string }; Action: string[] }[];
      };
      const cloudwatch = policy.Statement.find(
        (s) => s.Principal?.Service === 'cloudwatch.amazonaws.com',
      );
      expect(cloudwatch?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    });
  });

  describe('email', () => {
    it('subscribes the address to every alert and alarm by default', () => {
      const [email, ...others] = subscriptions(full, 'email');
      expect(others).toEqual([]);
      expect(email).toMatchObject({
        Endpoint: 'oncall@example.com',
        TopicArn: refOf(full.stack.alerting.topic),
      });
      expect(email?.FilterPolicy).toBeUndefined();
    });

    it('filters on severity when only some severities are wanted', () => {
      const [email] = subscriptions(criticalOnly, 'email');
      expect(email?.FilterPolicy).toEqual({ severity: ['critical', { exists: false }] });
    });

    it('is absent without an address', () => {
      expect(subscriptions(bare, 'email')).toEqual([]);
    });
  });

  describe.each(CHAT_CHANNEL_NAMES)('%s path', (name) => {
    const slack = () => {
      const path = full.stack.alerting.notifiers[name];
      if (!path) throw new Error(`the ${name} path is missing`);
      return path;
    };

    it('delivers everything raw into its own queue, alarms included', () => {
      const all = subscriptions(full, 'sqs');
      expect(all).toHaveLength(CHAT_CHANNEL_NAMES.length);
      const sqs = all.find(
        (one) => JSON.stringify(one.Endpoint) === JSON.stringify(arnOf(slack().queue)),
      );
      expect(sqs).toMatchObject({ Endpoint: arnOf(slack().queue), RawMessageDelivery: true });
      expect(sqs).not.toHaveProperty('FilterPolicy');
    });

    it('encrypts and TLS-guards the queue, and parks a post after 10 receives', () => {
      expect(propertiesOf(full.template, slack().queue)).not.toHaveProperty('QueueName');
      expect(propertiesOf(full.template, slack().queue)).toMatchObject({
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: arnOf(slack().deadLetterQueue), maxReceiveCount: 10 },
      });
      expect(propertiesOf(full.template, slack().deadLetterQueue)).toMatchObject({
        SqsManagedSseEnabled: true,
      });
      full.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [refOf(slack().queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('takes one alert per invocation, at most 2 at once, with retries reported per message', () => {
      expect(propertiesOf(full.template, slack().notifier.function)).not.toHaveProperty(
        'ReservedConcurrentExecutions',
      );
      full.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(slack().queue),
        BatchSize: 1,
        ScalingConfig: { MaximumConcurrency: 2 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('keeps the visibility timeout at least 6 times the notifier timeout', () => {
      const timeout = propertiesOf(full.template, slack().notifier.function).Timeout as number;
      const visibility = propertiesOf(full.template, slack().queue).VisibilityTimeout as number;
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    });

    it('reads only the stage secret and writes only ledger and pace items', () => {
      const actions = allowedActions(full.template, slack().notifier);
      expect(JSON.stringify(actions.get('secretsmanager:GetSecretValue'))).toContain(
        `:secret:${STAGE_SECRET}-??????`,
      );
      expect(actions.get('secretsmanager:GetSecretValue')).toHaveLength(1);
      expect([...actions.keys()].filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
      ]);
      expect(propertiesOf(full.template, slack().notifier.function)).toMatchObject({
        Environment: {
          Variables: {
            ALERT_CHANNEL: name,
            ALERT_OPS_STAGE: 'dev',
            [secretIdVariableOf(name)]: STAGE_SECRET,
            TABLE_NAME: refOf(full.stack.table.table),
          },
        },
      });
    });

    it(`is absent unless deployed with -c ${name}=true`, () => {
      expect(bare.stack.alerting.notifiers[name]).toBeUndefined();
      expect(subscriptions(bare, 'sqs')).toEqual([]);
      expect(JSON.stringify(bare.template.toJSON())).not.toContain(
        `Alerting/${CHAT_CHANNELS[name].label}`,
      );
    });
  });

  describe('stuck-PENDING check', () => {
    it('runs every 15 minutes', () => {
      full.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        State: 'ENABLED',
        Targets: [{ Arn: arnOf(full.stack.alerting.pendingCheck.function) }],
      });
    });

    it('takes its timeout from context, 24 hours by default', () => {
      const hours = (synth: SynthesizedStack) =>
        (
          propertiesOf(synth.template, synth.stack.alerting.pendingCheck.function) as {
            Environment: { Variables: Record<string, unknown> };
          }
        ).Environment.Variables.PENDING_TIMEOUT_HOURS;
      expect(hours(full)).toBe('6');
      expect(hours(bare)).toBe('24');
    });

    it('tells the check its table, topic, the event queue and the alert grouping', () => {
      expect(
        propertiesOf(full.template, full.stack.alerting.pendingCheck.function).Environment,
      ).toMatchObject({
        Variables: {
          TABLE_NAME: refOf(full.stack.table.table),
          TOPIC_ARN: refOf(full.stack.alerting.topic),
          QUEUE_URL: refOf(full.stack.pipeline.queue),
          ALERT_GROUP_WINDOW_SECONDS: '30',
          ALERT_GROUP_INTERVAL_SECONDS: '300',
        },
      });
    });

    it('sends flushes to the event queue, and publishes nothing itself', () => {
      const actions = allowedActions(full.template, full.stack.alerting.pendingCheck);
      expect(actions.get('sqs:SendMessage')).toEqual([arnOf(full.stack.pipeline.queue)]);
      expect(actions.get('kms:GenerateDataKey')).toEqual([arnOf(full.stack.pipeline.key)]);
      expect(actions.get('sns:Publish')).toBeUndefined();
    });

    it('queries the pending index and the table, records and clears items', () => {
      const actions = allowedActions(full.template, full.stack.alerting.pendingCheck);
      expect(JSON.stringify(actions.get('dynamodb:Query'))).toContain('/index/pending');
      expect(actions.get('dynamodb:Query')).toContainEqual(arnOf(full.stack.table.table));
      for (const action of ['GetItem', 'PutItem', 'UpdateItem']) {
        expect(actions.get(`dynamodb:${action}`)).toEqual([arnOf(full.stack.table.table)]);
      }
      expect([...actions.keys()].filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
    });
  });
});
