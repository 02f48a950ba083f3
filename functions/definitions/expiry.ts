/** Seconds in a day, for retention periods given in days. */
export const DAY_SECONDS = 24 * 60 * 60;

/**
 * The `expiresAt` value (epoch seconds, what DynamoDB TTL reads) of an item written at `now`
 * and kept for `days`.
 */
export const expiresAt = (now: Date, days: number): number =>
  Math.floor(now.getTime() / 1000) + days * DAY_SECONDS;
