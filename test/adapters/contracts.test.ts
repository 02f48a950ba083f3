import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { afterAll, beforeAll } from 'vitest';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import { DynamoFleetQueries } from '../../functions/adapters/dynamo-fleet-queries.ts';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../../functions/adapters/dynamo-pending-store.ts';
import { SnsAlertPublisher } from '../../functions/adapters/sns-alert-publisher.ts';
import { SqsEventQueue } from '../../functions/adapters/sqs-event-queue.ts';
import { type AlertDigest, AlertDigestSchema } from '../../functions/core/alerts.ts';
import { type QueueMessage, QueueMessageSchema } from '../../functions/core/queue-message.ts';
import { alertGroupPk } from '../../functions/definitions/table-keys.ts';
import { unwrapPerProtocolMessage } from '../../lib/local/alerts.ts';
import { LocalDeadLetterQueue } from '../../lib/local/dead-letters.ts';
import { toSqsRecord } from '../../lib/local/sqs-poller.ts';
import { describeAlertLedgerContract } from '../contracts/alert-ledger.contract.ts';
import { describeDeadLetterQueueContract } from '../contracts/dead-letter-queue.contract.ts';
import { describeFleetQueriesContract } from '../contracts/fleet-queries.contract.ts';
import { describeIntegrationStoreContract } from '../contracts/integration-store.contract.ts';
import {
  describeAlertPublisherContract,
  describeEventQueueContract,
} from '../contracts/messaging.contract.ts';
import { describePendingStoreContract } from '../contracts/pending-store.contract.ts';
import { startAws, type TestAws } from '../support/aws.ts';

/** The port contracts against the AWS adapters over dynalite and fauxqs. */

let aws: TestAws;
let adapters: {
  store: DynamoIntegrationStore;
  pending: DynamoPendingStore;
  fleet: DynamoFleetQueries;
  ledger: DynamoAlertLedger;
  queue: SqsEventQueue;
  publisher: SnsAlertPublisher;
};

beforeAll(async () => {
  aws = await startAws();
  const table = { client: aws.clients.document, tableName: aws.resources.tableName };
  adapters = {
    store: new DynamoIntegrationStore(table),
    pending: new DynamoPendingStore(table),
    fleet: new DynamoFleetQueries(table),
    ledger: new DynamoAlertLedger({ ...table, retentionDays: 8 }),
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

describeIntegrationStoreContract('DynamoDB adapter (dynalite)', () => adapters.store);
describePendingStoreContract('DynamoDB adapter (dynalite)', () => adapters);
describeFleetQueriesContract('DynamoDB adapter (dynalite)', () => adapters);
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
describeAlertLedgerContract('DynamoDB adapter (dynalite)', () => adapters.ledger, {
  readPages: async (groupKey) => {
    let pages = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws.clients.document.send(
        new QueryCommand({
          TableName: aws.resources.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': alertGroupPk(groupKey) },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      pages++;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return pages;
  },
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
  delivered: async (count): Promise<AlertDigest[]> =>
    (await receiveBodies(aws.resources.alertsQueueUrl, count)).map((body) =>
      v.parse(AlertDigestSchema, JSON.parse(body)),
    ),
}));
