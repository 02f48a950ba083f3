import { Duration } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PROCESSOR_TIMEOUT_SECONDS, pipeline } from '../../../functions/definitions/resources.ts';
import type { Alerting } from './alerting.ts';
import type { IntegrationTable } from './integration-table.ts';
import { type FunctionDefaults, handlerEntry, LambdaFunction } from './lambda-function.ts';

export interface EventPipelineProps {
  readonly table: IntegrationTable;
  /** The stage's customer-managed key (the table's), which encrypts both queues. */
  readonly key: IKey;
  readonly alerting: Alerting;
  readonly functionDefaults: FunctionDefaults;
  /**
   * Most concurrent processor executions the event source mapping starts (2 to 1,000).
   * @default pipeline.maxConcurrency from functions/definitions/resources.ts (2, Lambda's minimum)
   */
  readonly processorMaxConcurrency?: number;
}

/**
 * The hop between acknowledging a webhook and applying it: the event queue, its dead-letter
 * queue, the processor, and the event source mapping between them, all sized from `pipeline`
 * in functions/definitions/resources.ts (the local runtime reads the same values).
 *
 * The queues use a customer-managed key rather than SQS-managed encryption: messages carry the
 * webhook as received, and an `accepted` webhook carries the service's `accessToken`, so the
 * queues get the same key-level control and CloudTrail audit as the table that stores it. It
 * is the table's own key, not one of their own: same protection, one key to pay for.
 */
export class EventPipeline extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly key: IKey;
  readonly processor: LambdaFunction;

  constructor(scope: Construct, id: string, props: EventPipelineProps) {
    super(scope, id);

    this.key = props.key;

    // No physical names: CloudFormation derives them from the stack, so stages coexist.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(pipeline.dlqRetentionSeconds),
      maxMessageSizeBytes: pipeline.maxMessageBytes,
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      // One data key serves many messages for this long, so KMS is called about once per
      // five minutes per producer and consumer instead of once per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(pipeline.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(pipeline.retentionSeconds),
      maxMessageSizeBytes: pipeline.maxMessageBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: pipeline.maxReceiveCount },
    });

    this.processor = new LambdaFunction(this, 'Processor', {
      ...props.functionDefaults,
      entry: handlerEntry('processor'),
      description: 'Applies queued integration webhooks to the table and publishes grouped alerts',
      // Shared with functions/definitions/resources.ts: the visibility timeout is 6× this value.
      timeout: Duration.seconds(PROCESSOR_TIMEOUT_SECONDS),
      // Up to 10 records, each two concurrent conditional writes and maybe an alert group's
      // ledger writes and publish: I/O bound. 256 MB keeps a cold start (SDK clients, valibot schemas) well under a second.
      memorySize: 256,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        TOPIC_ARN: props.alerting.topic.topicArn,
        // Its own queue: alert groups are flushed by delayed `alert-flush` messages it sends
        // itself.
        QUEUE_URL: this.queue.queueUrl,
        ...props.alerting.groupingEnvironment,
      },
    });
    props.table.grantItemActions(
      this.processor.function,
      'GetItem',
      'PutItem',
      'UpdateItem',
      'Query',
    );
    props.alerting.grantPublish(this.processor.function);
    this.grantSend(this.processor.function);

    this.processor.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: pipeline.batchSize,
        maxBatchingWindow: Duration.seconds(pipeline.maxBatchingWindowSeconds),
        // The cap that reserved concurrency would otherwise be: it bounds the processor without
        // setting capacity aside, so the ingest keeps the rest of the account's quota.
        maxConcurrency: props.processorMaxConcurrency ?? pipeline.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /**
   * `sqs:SendMessage` on the event queue and nothing else on it, plus what SQS needs from a
   * producer on the queue's key (`GenerateDataKey` for a new data key, `Decrypt` to reuse one).
   */
  grantSend(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
    this.key.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
}
