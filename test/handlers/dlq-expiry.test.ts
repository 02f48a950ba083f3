import { describe, expect, it } from 'vitest';
import { deadLetterExpiry } from '../../functions/core/dead-letter-expiry.ts';
import { createOpsHandler } from '../../functions/ops/ops.ts';
import { httpEvent } from '../support/http-events.ts';
import { createTwins } from '../twins/index.ts';

/**
 * `dlq show` says how old the oldest dead letter is since it was first sent, and when SQS
 * deletes it: 14 days after that first send, not after it reached the DLQ.
 */

describe('dead-letter expiry', () => {
  it('counts from the first send, not from the move to the DLQ', () => {
    expect(
      deadLetterExpiry('2024-06-01T00:00:00.000Z', new Date('2024-06-11T12:00:00.000Z'), 14),
    ).toEqual({ oldestAgeDays: 10.5, expiresAt: '2024-06-15T00:00:00.000Z', daysLeft: 3.5 });
    expect(
      deadLetterExpiry('2024-06-01T00:00:00.000Z', new Date('2024-06-20T00:00:00.000Z'), 14)
        .daysLeft,
    ).toBe(0);
  });

  it('is in the GET /dlq answer', async () => {
    const twins = createTwins();
    twins.deadLetters.add('{"kind":"webhook"}', '2024-06-01T00:00:00.000Z');
    const ops = createOpsHandler({ ...twins, clock: () => new Date('2024-06-12T00:00:00.000Z') });
    const answer = await ops(httpEvent('GET', '/dlq'));
    expect(JSON.parse(String(answer.body))).toMatchObject({
      count: 1,
      oldestSentAt: '2024-06-01T00:00:00.000Z',
      expiry: { oldestAgeDays: 11, expiresAt: '2024-06-15T00:00:00.000Z', daysLeft: 3 },
    });
  });
});
