import { beforeAll, describe, expect, it } from 'vitest';
import { PROCESSOR_TIMEOUT_SECONDS, pipeline } from '../../functions/definitions/resources.ts';
import {
  DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
  DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
} from '../../functions/definitions/settings.ts';
import {
  allowedActions,
  arnOf,
  logicalId,
  propertiesOf,
  refOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

describe('EventPipeline', () => {
  let synth: SynthesizedStack;
  const queueProps = () => propertiesOf(synth.template, synth.stack.pipeline.queue);
  const dlqProps = () => propertiesOf(synth.template, synth.stack.pipeline.deadLetterQueue);
  const processorProps = () =>
    propertiesOf(synth.template, synth.stack.pipeline.processor.function);

  beforeAll(() => {
    synth = synthStack();
  });

  it('builds the queue from the shared definitions', () => {
    expect(queueProps()).not.toHaveProperty('QueueName');
    expect(queueProps()).toMatchObject({
      VisibilityTimeout: pipeline.visibilityTimeoutSeconds,
      MessageRetentionPeriod: pipeline.retentionSeconds,
      MaximumMessageSize: pipeline.maxMessageBytes,
      RedrivePolicy: {
        deadLetterTargetArn: arnOf(synth.stack.pipeline.deadLetterQueue),
        maxReceiveCount: pipeline.maxReceiveCount,
      },
    });
  });

  it('keeps the visibility timeout at least 6 times the processor timeout', () => {
    const timeout = processorProps().Timeout as number;
    expect(timeout).toBe(PROCESSOR_TIMEOUT_SECONDS);
    expect(queueProps().VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('keeps dead letters longer than the source queue keeps messages', () => {
    expect(dlqProps()).not.toHaveProperty('QueueName');
    expect(dlqProps()).toMatchObject({
      MessageRetentionPeriod: pipeline.dlqRetentionSeconds,
    });
    expect(dlqProps().MessageRetentionPeriod as number).toBeGreaterThan(
      queueProps().MessageRetentionPeriod as number,
    );
  });

  it('encrypts both queues with the pipeline key', () => {
    const key = arnOf(synth.stack.pipeline.key);
    expect(queueProps().KmsMasterKeyId).toEqual(key);
    expect(dlqProps().KmsMasterKeyId).toEqual(key);
  });

  it('refuses non-TLS access to both queues', () => {
    for (const queue of [synth.stack.pipeline.queue, synth.stack.pipeline.deadLetterQueue]) {
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [refOf(queue)],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      });
    }
  });

  it('feeds the processor in batches with partial failures reported', () => {
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(synth.stack.pipeline.queue),
      FunctionName: refOf(synth.stack.pipeline.processor.function),
      BatchSize: pipeline.batchSize,
      MaximumBatchingWindowInSeconds: pipeline.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: pipeline.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('caps the processor at the concurrency given in context', () => {
    const wide = synthStack({ processorMaxConcurrency: '50' });
    wide.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(wide.stack.pipeline.queue),
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  it('tells the processor its table, topic, own queue, alert grouping and stage', () => {
    expect(processorProps()).toMatchObject({
      Environment: {
        Variables: {
          TABLE_NAME: refOf(synth.stack.table.table),
          TOPIC_ARN: refOf(synth.stack.alerting.topic),
          QUEUE_URL: refOf(synth.stack.pipeline.queue),
          ALERT_GROUP_WINDOW_SECONDS: String(DEFAULT_ALERT_GROUP_WINDOW_SECONDS),
          ALERT_GROUP_INTERVAL_SECONDS: String(DEFAULT_ALERT_GROUP_INTERVAL_SECONDS),
          // The commands alerts print name the stage and region they came from.
          ALERT_OPS_STAGE: 'dev',
          ALERT_OPS_REGION: 'eu-west-3',
        },
      },
    });
  });

  it('passes the alert grouping from context', () => {
    const tuned = synthStack({ alertGroupWindowSeconds: '10', alertGroupIntervalSeconds: 600 });
    expect(
      propertiesOf(tuned.template, tuned.stack.pipeline.processor.function).Environment,
    ).toMatchObject({
      Variables: { ALERT_GROUP_WINDOW_SECONDS: '10', ALERT_GROUP_INTERVAL_SECONDS: '600' },
    });
  });

  it('lets the processor write items, publish alerts and send flushes to its queue, nothing broader', () => {
    const actions = allowedActions(synth.template, synth.stack.pipeline.processor);
    const dynamo = [...actions.keys()].filter((a) => a.startsWith('dynamodb:')).sort();
    expect(dynamo).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const action of dynamo) {
      expect(actions.get(action)).toEqual([arnOf(synth.stack.table.table)]);
    }
    expect(actions.get('sns:Publish')).toEqual([refOf(synth.stack.alerting.topic)]);
    // Delayed `alert-flush` messages to its own queue, encrypted with the queue's key.
    expect(actions.get('sqs:SendMessage')).toEqual([arnOf(synth.stack.pipeline.queue)]);
    expect(actions.get('kms:GenerateDataKey')).toEqual([arnOf(synth.stack.pipeline.key)]);
    expect(actions.get('kms:Decrypt')).toContainEqual(arnOf(synth.stack.pipeline.key));
    expect([...actions.keys()].filter((a) => a.includes('*') && !a.startsWith('kms:'))).toEqual([]);
  });

  it('lets producers send to the queue and use its key for that only', () => {
    const ingest = allowedActions(synth.template, synth.stack.api.ingest);
    expect(ingest.get('sqs:SendMessage')).toEqual([arnOf(synth.stack.pipeline.queue)]);
    expect(ingest.get('kms:GenerateDataKey')).toEqual([arnOf(synth.stack.pipeline.key)]);
    expect(ingest.get('kms:Decrypt')).toEqual([arnOf(synth.stack.pipeline.key)]);
    expect(logicalId(synth.stack.pipeline.queue)).toMatch(/^PipelineQueue/);
  });
});
