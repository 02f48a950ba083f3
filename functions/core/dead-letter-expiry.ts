/**
 * When SQS deletes a dead letter: a message moved to a dead-letter queue keeps the time it was
 * first sent, so it is deleted `retentionDays` after that, not after the move. Pure: time comes
 * in as an argument.
 */

const DAY_MS = 86_400_000;

export interface DeadLetterExpiry {
  /** Days since the oldest message was first sent to the event queue. */
  readonly oldestAgeDays: number;
  /** When SQS deletes it (ISO 8601). */
  readonly expiresAt: string;
  /** Days until then; 0 once past. */
  readonly daysLeft: number;
}

const oneDecimal = (value: number): number => Math.round(value * 10) / 10;

export const deadLetterExpiry = (
  oldestSentAt: string,
  now: Date,
  retentionDays: number,
): DeadLetterExpiry => {
  const sent = Date.parse(oldestSentAt);
  const expires = sent + retentionDays * DAY_MS;
  return {
    oldestAgeDays: oneDecimal((now.getTime() - sent) / DAY_MS),
    expiresAt: new Date(expires).toISOString(),
    daysLeft: Math.max(0, oneDecimal((expires - now.getTime()) / DAY_MS)),
  };
};
