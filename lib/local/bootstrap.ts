import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { names, pipeline, table, tableSchema } from '../../functions/definitions/resources.ts';

/** Names and addresses of the resources the local runtime wires together. */
export interface LocalResources {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
  readonly topicArn: string;
  /** Stands in for the email/Slack subscriptions: the runtime prints what arrives here. */
  readonly alertsQueueUrl: string;
  readonly alertsQueueArn: string;
}

export interface BootstrapOptions {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  /** Overrides `pipeline.visibilityTimeoutSeconds`, so tests see retries in seconds. */
  readonly visibilityTimeoutSeconds?: number;
  /** Whether to set the TTL attribute (dynalite has no TTL API; LocalStack has). */
  readonly enableTtl: boolean;
}

/** The queue that receives the topic's alerts locally. Not part of the cloud definitions. */
export const LOCAL_ALERTS_QUEUE = `${names.topic}-local`;

const TABLE_READY_DEADLINE_MS = 30_000;

const describeTableStatus = async (
  client: DynamoDBClient,
  tableName: string,
): Promise<string | undefined> => {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

/** Creates the table with its indexes unless it exists, and waits until it is ACTIVE. */
export const ensureTable = async (
  options: Pick<BootstrapOptions, 'dynamodb' | 'enableTtl'>,
): Promise<string> => {
  const { dynamodb } = options;
  const tableName = names.table;
  if ((await describeTableStatus(dynamodb, tableName)) === undefined) {
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          ...tableSchema(),
        }),
      );
    } catch (error) {
      // Another runtime on the same endpoint created it first: fine, it is the same table.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  const deadline = Date.now() + TABLE_READY_DEADLINE_MS;
  while ((await describeTableStatus(dynamodb, tableName)) !== 'ACTIVE') {
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE`);
    await sleep(100);
  }
  if (options.enableTtl) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
      }),
    );
  }
  return tableName;
};

/**
 * Creates a queue, then sets its attributes. CreateQueue alone refuses to change the
 * attributes of an existing queue; setting them afterwards converges on every run.
 */
const ensureQueue = async (
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> => {
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!url) throw new Error(`CreateQueue ${name} returned no URL`);
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no ARN`);
  return { url, arn };
};

const ensureTopic = async (sns: SNSClient, alertsQueueArn: string): Promise<string> => {
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: names.topic }));
  if (!topicArn) throw new Error(`CreateTopic ${names.topic} returned no ARN`);
  // Subscribe is not reliably idempotent across emulators; a duplicate subscription would
  // print every alert twice on a persistent endpoint such as LocalStack.
  const { Subscriptions } = await sns.send(
    new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }),
  );
  const subscribed = Subscriptions?.some(
    (subscription) => subscription.Protocol === 'sqs' && subscription.Endpoint === alertsQueueArn,
  );
  if (!subscribed) {
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: alertsQueueArn,
        // The alert JSON arrives as the SQS body, as the Slack notifier will receive it.
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  }
  return topicArn;
};

/** Idempotently creates the table, queue + DLQ, topic and local alerts queue. */
export const bootstrap = async (options: BootstrapOptions): Promise<LocalResources> => {
  const { sqs, sns } = options;
  const tableName = await ensureTable(options);
  const dlq = await ensureQueue(sqs, names.deadLetterQueue, {
    MessageRetentionPeriod: String(pipeline.dlqRetentionSeconds),
    MaximumMessageSize: String(pipeline.maxMessageBytes),
  });
  const queue = await ensureQueue(sqs, names.queue, {
    VisibilityTimeout: String(
      options.visibilityTimeoutSeconds ?? pipeline.visibilityTimeoutSeconds,
    ),
    MessageRetentionPeriod: String(pipeline.retentionSeconds),
    MaximumMessageSize: String(pipeline.maxMessageBytes),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: pipeline.maxReceiveCount,
    }),
  });
  const alerts = await ensureQueue(sqs, LOCAL_ALERTS_QUEUE, {
    MessageRetentionPeriod: String(pipeline.retentionSeconds),
  });
  const topicArn = await ensureTopic(sns, alerts.arn);
  return {
    tableName,
    queueUrl: queue.url,
    queueArn: queue.arn,
    deadLetterQueueUrl: dlq.url,
    deadLetterQueueArn: dlq.arn,
    topicArn,
    alertsQueueUrl: alerts.url,
    alertsQueueArn: alerts.arn,
  };
};
