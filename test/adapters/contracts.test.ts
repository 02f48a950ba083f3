import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { afterAll, beforeAll } from 'vitest';
import { SnsAlertPublisher } from '../../functions/adapters/sns-alert-publisher.ts';
import { SqsEventQueue } from '../../functions/adapters/sqs-event-queue.ts';
import { type GroupMessage, GroupMessageSchema } from '../../functions/core/alerts.ts';
import { type QueueMessage, QueueMessageSchema } from '../../functions/core/queue-message.ts';
import { unwrapPerProtocolMessage } from '../../lib/local/alerts.ts';
import { LocalDeadLetterQueue } from '../../lib/local/dead-letters.ts';
import { toSqsRecord } from '../../lib/local/sqs-poller.ts';
import { describeDeadLetterQueueContract } from '../contracts/dead-letter-queue.contract.ts';
import { describeDynamoDbContracts } from '../contracts/dynamodb.ts';
import {
  describeAlertPublisherContract,
  describeEventQueueContract,
} from '../contracts/messaging.contract.ts';
import { startAws, type TestAws } from '../support/aws.ts';

/**
 * The port contracts against the AWS adapters over dynalite and fauxqs (DynamoDB Local runs
 * the DynamoDB ones too, in `dynamodb-local.test.ts`).
 */

let aws: TestAws;
let adapters: {
  queue: SqsEventQueue;
  publisher: SnsAlertPublisher;
};

beforeAll(async () => {
  aws = await startAws();
  adapters = {
    queue: new SqsEventQueue({ client: aws.clients.sqs, queueUrl: aws.resources.queueUrl }),
    publisher: new SnsAlertPublisher({ client: aws.clients.sns, topicArn: aws.resources.topicArn }),
  };
});
afterAll(() => aws?.stop());

/** Receives until `count` bodies arrived (or a few empty polls), deleting what it took. */
const receiveBodies = async (queueUrl: string, count: number): Promise<string[]> => {
  const bodies: string[] = [];
  for (let polls = 0; bodies.length < count && polls < 5; polls++) {
    const { Messages = [] } = await aws.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) continue;
    bodies.push(
      ...Messages.map(
        (message) =>
          unwrapPerProtocolMessage(toSqsRecord(message, { arn: 'arn', region: 'us-east-1' })).body,
      ),
    );
    await aws.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
        })),
      }),
    );
  }
  return bodies;
};

describeDynamoDbContracts('dynalite', () => ({
  document: aws.clients.document,
  tableName: aws.resources.tableName,
}));
describeDeadLetterQueueContract('local move (fauxqs)', () => {
  const dlq = new LocalDeadLetterQueue({
    client: aws.clients.sqs,
    deadLetterQueueUrl: aws.resources.deadLetterQueueUrl,
    queueUrl: aws.resources.queueUrl,
  });
  return {
    dlq,
    deadLetter: async (body) => {
      await aws.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: aws.resources.deadLetterQueueUrl, MessageBody: body }),
      );
    },
    takeFromQueue: async () => {
      const bodies: string[] = [];
      for (;;) {
        const { Messages = [] } = await aws.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: aws.resources.queueUrl, MaxNumberOfMessages: 10 }),
        );
        if (Messages.length === 0) return bodies;
        bodies.push(...Messages.map((message) => message.Body ?? ''));
        await aws.clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: aws.resources.queueUrl,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle ?? '',
            })),
          }),
        );
      }
    },
    settled: () => dlq.settled(),
  };
});
describeEventQueueContract('SQS adapter (fauxqs)', () => ({
  queue: adapters.queue,
  receive: async (count): Promise<QueueMessage[]> =>
    (await receiveBodies(aws.resources.queueUrl, count)).map((body) =>
      v.parse(QueueMessageSchema, JSON.parse(body)),
    ),
}));
describeAlertPublisherContract('SNS adapter (fauxqs)', () => ({
  publisher: adapters.publisher,
  delivered: async (count): Promise<GroupMessage[]> =>
    (await receiveBodies(aws.resources.alertsQueueUrl, count)).map((body) =>
      v.parse(GroupMessageSchema, JSON.parse(body)),
    ),
}));
