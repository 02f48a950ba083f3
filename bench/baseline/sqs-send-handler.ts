import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * The bundle baseline: the smallest useful Lambda of this shape, importing only the one AWS
 * client it needs and sending one message. Any handler's size and import time are compared to
 * what this costs, so the figure shows what our code and its libraries add on top of the SDK.
 */
const client = new SQSClient({});
const queueUrl = process.env.QUEUE_URL;

export const handler = async (event: { body?: string }): Promise<{ statusCode: number }> => {
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event.body ?? '' }));
  return { statusCode: 200 };
};
