import { existsSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../functions/definitions/service.ts';
import { handlerEntry, LambdaFunction } from '../../lib/cloud/constructs/lambda-function.ts';
import { allowedActions, arnOf, bareStack, logicalId, propertiesOf } from './support.ts';

describe('LambdaFunction', () => {
  let template: Template;
  let fn: LambdaFunction;

  beforeAll(() => {
    const stack = bareStack();
    fn = new LambdaFunction(stack, 'Subject', {
      entry: handlerEntry('query'),
      description: 'test subject',
      timeout: Duration.seconds(7),
      memorySize: 384,
      logRetention: RetentionDays.TWO_WEEKS,
      logLevel: 'WARN',
      serviceName: 'fulfillment-webhooks-test',
      environment: { EXTRA: 'yes' },
    });
    template = Template.fromStack(stack);
  });

  it('runs Node.js 24 on arm64 with active X-Ray tracing', () => {
    expect(propertiesOf(template, fn.function)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
  });

  it('takes memory and timeout from its props, and reserves no concurrency', () => {
    expect(propertiesOf(template, fn.function)).toMatchObject({
      MemorySize: 384,
      Timeout: 7,
    });
    expect(propertiesOf(template, fn.function)).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('sets source maps, Powertools and log level in the environment', () => {
    expect(propertiesOf(template, fn.function)).toMatchObject({
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'fulfillment-webhooks-test',
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          LOG_LEVEL: 'WARN',
          POWERTOOLS_LOG_LEVEL: 'WARN',
          EXTRA: 'yes',
        },
      },
    });
    expect(METRICS_NAMESPACE).toBe('FulfillmentWebhooks');
  });

  it('logs to its own log group with the given retention', () => {
    expect(propertiesOf(template, fn.function)).toMatchObject({
      LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
    });
    expect(propertiesOf(template, fn.logGroup)).toEqual({ RetentionInDays: 14 });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  it('gets a role with no managed policy that can only write its own logs and traces', () => {
    expect(propertiesOf(template, fn.role).ManagedPolicyArns).toBeUndefined();
    const actions = allowedActions(template, fn);
    expect([...actions.keys()].sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(actions.get('logs:PutLogEvents')).toEqual([arnOf(fn.logGroup)]);
  });

  it('finds an entry file for every handler the stack deploys', () => {
    for (const name of ['ingest', 'processor', 'query', 'alerting/notifier', 'pending-check']) {
      expect(existsSync(handlerEntry(name)), name).toBe(true);
    }
  });
});
