import {
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  describeDeadLetter,
  SqsDeadLetterQueue,
} from '../../functions/adapters/sqs-dead-letter-queue.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';

/**
 * The cloud redrive is SQS's `StartMessageMoveTask`, which neither emulator implements: a
 * recording client stands in for SQS here, to check the requests and the progress mapping.
 */
const recordingClient = (tasks: unknown[]) => {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      if (command instanceof ListMessageMoveTasksCommand) return { Results: tasks };
      return {};
    },
  } as unknown as SQSClient;
  return { client, sent };
};

const ARN = 'arn:aws:sqs:eu-west-3:123456789012:events-dlq';

describe('SqsDeadLetterQueue (cloud)', () => {
  it('starts a move task on the DLQ, capped at the rate asked, back to the source queue', async () => {
    const { client, sent } = recordingClient([
      {
        Status: 'RUNNING',
        ApproximateNumberOfMessagesMoved: 3,
        ApproximateNumberOfMessagesToMove: 10,
        StartedTimestamp: Date.parse('2026-01-01T00:00:00Z'),
      },
    ]);
    const dlq = new SqsDeadLetterQueue({ client, queueUrl: 'https://q', queueArn: ARN });
    const status = await dlq.startRedrive(25);
    const start = sent.find((command) => command instanceof StartMessageMoveTaskCommand);
    expect((start as StartMessageMoveTaskCommand).input).toEqual({
      SourceArn: ARN,
      MaxNumberOfMessagesPerSecond: 25,
    });
    expect(status).toEqual({
      status: 'RUNNING',
      moved: 3,
      toMove: 10,
      startedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('reports NONE before any task, and a failure with its reason', async () => {
    const none = new SqsDeadLetterQueue({
      client: recordingClient([]).client,
      queueUrl: 'https://q',
      queueArn: ARN,
    });
    expect(await none.redriveStatus()).toEqual({ status: 'NONE', moved: 0 });
    const failed = new SqsDeadLetterQueue({
      client: recordingClient([
        { Status: 'FAILED', ApproximateNumberOfMessagesMoved: 1, FailureReason: 'AccessDenied' },
      ]).client,
      queueUrl: 'https://q',
      queueArn: ARN,
    });
    expect(await failed.redriveStatus()).toEqual({
      status: 'FAILED',
      moved: 1,
      failureReason: 'AccessDenied',
    });
  });
});

describe('describeDeadLetter', () => {
  it('names what failed from named fields only, never the token', () => {
    const event = lifecycleEvent('accepted', { id: 'i-1', accessToken: 'tok_SECRET_123' });
    const sample = describeDeadLetter({
      MessageId: 'm-1',
      Body: JSON.stringify({
        kind: 'webhook',
        receivedAt: '2026-01-01T00:00:00.000Z',
        webhook: envelope(event),
      }),
      Attributes: { SentTimestamp: '1767225600000', ApproximateReceiveCount: '5' },
    });
    expect(sample).toEqual({
      sqsMessageId: 'm-1',
      sentAt: '2026-01-01T00:00:00.000Z',
      receiveCount: 5,
      kind: 'webhook',
      summary: `location/fulfillment_service_integration/accepted i-1 ${event.header.date}`,
      diagnosis: expect.stringMatching(/^valid now, so it failed for another reason/),
    });
    expect(JSON.stringify(sample)).not.toContain('tok_SECRET_123');
  });

  it('says why a message can never be processed', () => {
    expect(describeDeadLetter({ MessageId: 'm', Body: 'not json' })).toMatchObject({
      kind: 'unreadable',
      diagnosis: 'the body is not JSON: it can never be processed',
    });
    const invalid = describeDeadLetter({
      MessageId: 'm',
      Body: JSON.stringify({
        kind: 'webhook',
        receivedAt: '2026-01-01T00:00:00.000Z',
        webhook: { header: {}, body: {} },
      }),
    });
    expect(invalid.diagnosis).toMatch(/^no longer validates: header/);
  });
});
