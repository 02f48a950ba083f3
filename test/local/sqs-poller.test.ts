import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDepth } from '../../functions/adapters/clients.ts';
import { type SqsPoller, startSqsPoller, succeededRecords } from '../../lib/local/sqs-poller.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { sqsEvent } from '../support/http-events.ts';

/**
 * The local runtime's stand-in for Lambda's SQS event source mapping, when the handler throws
 * (as a Powertools batch handler does when every record failed).
 */

let aws: TestAws;
beforeAll(async () => {
  aws = await startAws();
});
afterAll(() => aws?.stop());

const VISIBILITY_TIMEOUT_SECONDS = 1;

const createQueue = async (name: string) => {
  const { QueueUrl } = await aws.clients.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS) },
    }),
  );
  if (!QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
  return QueueUrl;
};

const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 8_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('succeededRecords', () => {
  it('counts nothing as done when the handler threw', () => {
    const { Records } = sqsEvent(['a', 'b']);
    expect(succeededRecords(Records, { threw: true })).toEqual([]);
    expect(
      succeededRecords(Records, { threw: false, response: { batchItemFailures: [] } }),
    ).toEqual(Records);
  });
});

describe('SQS poller, when the handler throws', () => {
  it('treats the whole batch as failed: nothing deleted, redelivered after the visibility timeout, and it keeps polling', async () => {
    const queueUrl = await createQueue('poller-throws');
    const lines: string[] = [];
    const seen: { body: string; receiveCount: string; at: number }[] = [];
    let throws = 1;
    const handler = async (event: SQSEvent) => {
      for (const record of event.Records) {
        seen.push({
          body: record.body,
          receiveCount: record.attributes.ApproximateReceiveCount,
          at: Date.now(),
        });
      }
      if (throws-- > 0) {
        throw new FullBatchFailureError([new Error('injected: the store is down')]);
      }
      return { batchItemFailures: [] };
    };
    let poller: SqsPoller | undefined;
    try {
      poller = startSqsPoller({
        name: 'test',
        client: aws.clients.sqs,
        queueUrl,
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:poller-throws',
        region: 'us-east-1',
        handler,
        batchSize: 10,
        waitTimeSeconds: 1,
        log: (line) => lines.push(line),
      });
      await aws.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'one' }),
      );
      await until('the redelivery', () => seen.length >= 2);
      expect(seen.map(({ body, receiveCount }) => [body, receiveCount])).toEqual([
        ['one', '1'],
        ['one', '2'],
      ]);
      const [first, second] = seen as [(typeof seen)[0], (typeof seen)[0]];
      expect(second.at - first.at).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_SECONDS * 1000 - 250);
      expect(
        lines.some(
          (line) =>
            line.includes('handler threw, all 1 record(s) will be retried') &&
            line.includes('[injected: the store is down]'),
        ),
      ).toBe(true);
      await until(
        'the queue to empty',
        async () => (await queueDepth(aws.clients.sqs, queueUrl)) === 0,
      );

      // Still polling: a later message is handled and deleted.
      await aws.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'two' }),
      );
      await until('the later message', () => seen.some(({ body }) => body === 'two'));
      await until(
        'the queue to empty again',
        async () => (await queueDepth(aws.clients.sqs, queueUrl)) === 0,
      );
    } finally {
      await poller?.stop();
    }
  });
});
