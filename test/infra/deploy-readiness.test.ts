import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import {
  CONSUMERS_CONCURRENCY_BUDGET,
  MIN_MAPPING_CONCURRENCY,
  pipeline,
} from '../../functions/definitions/resources.ts';
import { FULL_OPTIONS, logicalId, type SynthesizedStack, synthStack } from './support.ts';

/**
 * What synth, cdk-nag and the emulators cannot show but a real account enforces: each check
 * guards one way a first deploy, a retry, a second stage or an alarm fails in AWS.
 */

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

const resourcesOf = (synth: SynthesizedStack): Record<string, Resource> =>
  synth.template.toJSON().Resources;

const ofType = (synth: SynthesizedStack, type: string): [string, Resource][] =>
  Object.entries(resourcesOf(synth)).filter(([, resource]) => resource.Type === type);

/**
 * `…Name` properties that are not names in an account-wide namespace: a metric's name, an
 * inline policy's name (unique per role), an API stage's name (unique per API).
 */
const NOT_PHYSICAL_NAMES = new Set(['MetricName', 'PolicyName', 'StageName']);

/**
 * Every literal string a resource carries under a `…Name` property (TableName, QueueName,
 * TopicName, FunctionName, RoleName, LogGroupName, AlarmName, Name, DisplayName…). Values
 * built from references (`Ref`, `Fn::GetAtt`) name a resource of the same stack.
 */
const literalNames = (synth: SynthesizedStack): Map<string, string> => {
  const found = new Map<string, string>();
  for (const [id, resource] of Object.entries(resourcesOf(synth))) {
    for (const [key, value] of Object.entries(resource.Properties ?? {})) {
      if (NOT_PHYSICAL_NAMES.has(key)) continue;
      if (/Name$/.test(key) && typeof value === 'string') found.set(value, `${id}.${key}`);
    }
  }
  return found;
};

describe('deploy readiness', () => {
  let dev: SynthesizedStack;
  let prod: SynthesizedStack;

  beforeAll(() => {
    dev = synthStack(FULL_OPTIONS);
    prod = synthStack({ ...FULL_OPTIONS, stage: 'prod' });
  });

  describe('stages side by side', () => {
    it('names the stack after the stage', () => {
      expect(dev.stack.stackName).toBe('FulfillmentWebhooks-dev');
      expect(prod.stack.stackName).toBe('FulfillmentWebhooks-prod');
    });

    it('gives two stages no physical name in common', () => {
      const devNames = literalNames(dev);
      const prodNames = literalNames(prod);
      expect(prodNames.size).toBeGreaterThan(0);
      const shared = [...prodNames.keys()].filter((name) => devNames.has(name));
      expect(shared).toEqual([]);
    });

    it('leaves the data resources to CloudFormation naming', () => {
      const named = (type: string, key: string) =>
        ofType(dev, type).filter(([, resource]) => resource.Properties?.[key] !== undefined);
      expect(named('AWS::DynamoDB::Table', 'TableName')).toEqual([]);
      expect(named('AWS::SQS::Queue', 'QueueName')).toEqual([]);
      expect(named('AWS::SNS::Topic', 'TopicName')).toEqual([]);
      expect(named('AWS::Lambda::Function', 'FunctionName')).toEqual([]);
      expect(named('AWS::CloudWatch::Alarm', 'AlarmName')).toEqual([]);
    });

    it('reads the secret of its own stage', () => {
      const devText = JSON.stringify(dev.template.toJSON());
      const prodText = JSON.stringify(prod.template.toJSON());
      expect(devText).toContain('fulfillment-webhooks/dev/secrets');
      expect(prodText).toContain('fulfillment-webhooks/prod/secrets');
      expect(prodText).not.toContain('fulfillment-webhooks/dev/');
    });

    it("keeps each stage's metrics apart: its functions and its dashboard use its own service dimension", () => {
      const servicesOf = (synth: SynthesizedStack) =>
        new Set(
          ofType(synth, 'AWS::Lambda::Function').map(([, fn]) => {
            const environment = fn.Properties?.Environment as {
              Variables: Record<string, string>;
            };
            return environment.Variables.POWERTOOLS_SERVICE_NAME;
          }),
        );
      expect(servicesOf(dev)).toEqual(new Set(['fulfillment-webhooks-dev']));
      expect(servicesOf(prod)).toEqual(new Set(['fulfillment-webhooks-prod']));
      const dashboardOf = (synth: SynthesizedStack) =>
        JSON.stringify(ofType(synth, 'AWS::CloudWatch::Dashboard')[0]?.[1].Properties);
      expect(dashboardOf(prod)).toContain('fulfillment-webhooks-prod');
      expect(dashboardOf(prod)).not.toContain('fulfillment-webhooks-dev');
    });
  });

  describe('fits an account whose concurrency quota is 10', () => {
    it('reserves concurrency for no function', () => {
      const functions = ofType(dev, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(0);
      for (const [id, fn] of functions) {
        expect(fn.Properties, id).not.toHaveProperty('ReservedConcurrentExecutions');
      }
    });

    it('caps every queue consumer, together at most 6 concurrent executions by default', () => {
      // The processor's and one per chat channel's, every option on.
      const mappings = ofType(dev, 'AWS::Lambda::EventSourceMapping');
      expect(mappings).toHaveLength(1 + CHAT_CHANNEL_NAMES.length);
      const caps = mappings.map(([id, mapping]) => {
        const cap = (mapping.Properties?.ScalingConfig as { MaximumConcurrency?: number })
          ?.MaximumConcurrency;
        expect(cap, `${id} has no MaximumConcurrency`).toBeTypeOf('number');
        return cap ?? Number.POSITIVE_INFINITY;
      });
      expect(CONSUMERS_CONCURRENCY_BUDGET).toBe(6);
      expect(caps.reduce((sum, cap) => sum + cap, 0)).toBeLessThanOrEqual(
        CONSUMERS_CONCURRENCY_BUDGET,
      );
    });
  });

  it('documents the figures the code uses', () => {
    const deployPage = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    expect(deployPage).toContain(`\`processorMaxConcurrency\`, default ${pipeline.maxConcurrency}`);
    expect(deployPage).toContain(`(the budget is ${CONSUMERS_CONCURRENCY_BUDGET}:`);
    const consumersByDefault = pipeline.maxConcurrency + MIN_MAPPING_CONCURRENCY;
    expect(deployPage).toContain(`the consumers take at most ${consumersByDefault} executions`);
    // The settings table itself is generated: test/infra/settings-docs.test.ts checks it.
  });

  describe('retry-safe', () => {
    it('retains nothing plainly: a failed first create leaves nothing behind', () => {
      for (const [id, resource] of Object.entries(resourcesOf(dev))) {
        expect(resource.DeletionPolicy, id).not.toBe('Retain');
      }
    });

    it('still keeps the table and its key on stack deletion', () => {
      for (const construct of [dev.stack.table.table, dev.stack.table.key]) {
        expect(resourcesOf(dev)[logicalId(construct)]?.DeletionPolicy).toBe('RetainExceptOnCreate');
      }
    });
  });

  describe('alarms that arrive', () => {
    it('lets CloudWatch publish to every topic an alarm targets, and use its key', () => {
      const alarms = ofType(dev, 'AWS::CloudWatch::Alarm');
      expect(alarms.length).toBeGreaterThan(0);
      const targets = new Set(
        alarms.flatMap(([, alarm]) =>
          [
            ...((alarm.Properties?.AlarmActions as unknown[]) ?? []),
            ...((alarm.Properties?.OKActions as unknown[]) ?? []),
          ].map((target) => JSON.stringify(target)),
        ),
      );
      expect(targets.size).toBeGreaterThan(0);
      for (const target of targets) {
        const { Ref: topicId } = JSON.parse(target) as { Ref?: string };
        expect(topicId, `alarm action ${target} is not a topic of this stack`).toBeDefined();
        const topic = resourcesOf(dev)[topicId ?? ''];
        expect(topic?.Type).toBe('AWS::SNS::Topic');

        const statements = ofType(dev, 'AWS::SNS::TopicPolicy')
          .filter(([, policy]) => JSON.stringify(policy.Properties?.Topics).includes(target))
          .flatMap(
            ([, policy]) =>
              (
                policy.Properties?.PolicyDocument as
                  | { Statement: Record<string, unknown>[] }
                  | undefined
              )?.Statement ?? [],
          );
        const allow = statements.find(
          (s) =>
            s.Effect === 'Allow' &&
            JSON.stringify(s.Principal) ===
              JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }) &&
            [s.Action].flat().includes('sns:Publish'),
        );
        expect(allow, `topic ${topicId} does not let CloudWatch publish`).toBeDefined();
        expect(JSON.stringify(allow?.Condition)).toContain(':123456789012:alarm:');

        const keyArn = JSON.stringify(topic?.Properties?.KmsMasterKeyId);
        const keyId = (JSON.parse(keyArn) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
        const keyPolicy = resourcesOf(dev)[keyId]?.Properties?.KeyPolicy as
          | { Statement: Record<string, unknown>[] }
          | undefined;
        const keyStatements = keyPolicy?.Statement ?? [];
        const keyAllow = keyStatements.find(
          (s) =>
            s.Effect === 'Allow' &&
            JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
        );
        expect([keyAllow?.Action].flat()).toEqual(
          expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
        );
      }
    });

    it("alarms on failed records, which Lambda's Errors metric never counts", () => {
      const filter = resourcesOf(dev)[logicalId(dev.stack.monitoring.failedRecordsFilter)];
      expect(filter?.Properties).toMatchObject({
        LogGroupName: { Ref: logicalId(dev.stack.pipeline.processor.logGroup) },
        FilterPattern: '{ ($.RecordsFailed > 0) || ($.RecordsFailed[0] > 0) }',
        MetricTransformations: [
          {
            MetricNamespace: 'FulfillmentWebhooks/FulfillmentWebhooks-dev',
            MetricName: 'InvocationsWithFailedRecords',
            MetricValue: '1',
          },
        ],
      });
      const alarm =
        resourcesOf(dev)[logicalId(dev.stack.monitoring.node.findChild('ProcessorRecordsFailed'))];
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'FulfillmentWebhooks/FulfillmentWebhooks-dev',
        MetricName: 'InvocationsWithFailedRecords',
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: logicalId(dev.stack.alerting.topic) }],
      });
      // Another stage's failures never reach this stage's alarm.
      const prodAlarm =
        resourcesOf(prod)[
          logicalId(prod.stack.monitoring.node.findChild('ProcessorRecordsFailed'))
        ];
      expect(prodAlarm?.Properties?.Namespace).toBe('FulfillmentWebhooks/FulfillmentWebhooks-prod');
    });
  });

  it('runs every function on nodejs24.x', () => {
    const functions = ofType(dev, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(7 + CHAT_CHANNEL_NAMES.length);
    for (const [id, fn] of functions) expect(fn.Properties?.Runtime, id).toBe('nodejs24.x');
  });
});
