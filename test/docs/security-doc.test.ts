import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECRET_RETRY_AFTER_FAILURE_MS } from '../../functions/config.ts';
import { WEBHOOK_TOKEN_MIN_BYTES } from '../../functions/core/credentials.ts';
import { DLQ_RETENTION_DAYS } from '../../functions/definitions/resources.ts';
import {
  DEFAULT_FUTURE_SKEW_HOURS,
  DEFAULT_HAPPYCOLIS_THROTTLE_BURST_LIMIT,
  DEFAULT_HAPPYCOLIS_THROTTLE_RATE_LIMIT,
  DEFAULT_QUARANTINE_DAYS,
  DEFAULT_SECRET_MAX_AGE_SECONDS,
  DEFAULT_THROTTLE_BURST_LIMIT,
  DEFAULT_THROTTLE_RATE_LIMIT,
} from '../../functions/definitions/settings.ts';
import { DLQ_REMINDER_HOUR_UTC } from '../../lib/cloud/constructs/monitoring.ts';

/** The figures docs/security.md states are the code's: its summary table, row by row. */

const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');

const row = (start: string): string => {
  const line = doc.split('\n').find((text) => text.startsWith(`| ${start}`));
  if (!line) throw new Error(`docs/security.md has no row starting "${start}"`);
  return line;
};

describe('docs/security.md', () => {
  it.each([
    [
      "HappyColis route's own throttle",
      `${DEFAULT_HAPPYCOLIS_THROTTLE_RATE_LIMIT} requests/s, burst ${DEFAULT_HAPPYCOLIS_THROTTLE_BURST_LIMIT}`,
    ],
    [
      "every other route's throttle",
      `${DEFAULT_THROTTLE_RATE_LIMIT} requests/s, burst ${DEFAULT_THROTTLE_BURST_LIMIT}`,
    ],
    ['stage secret re-read at most every', `${DEFAULT_SECRET_MAX_AGE_SECONDS} s`],
    ['after a failed read', `${SECRET_RETRY_AFTER_FAILURE_MS / 1000} s`],
    ['bearer tokens', `${WEBHOOK_TOKEN_MIN_BYTES} bytes`],
    ['events dated further ahead', `${DEFAULT_FUTURE_SKEW_HOURS} hours`],
    ['quarantine records', `${DEFAULT_QUARANTINE_DAYS} days`],
    ['dead letters deleted by SQS', `${DLQ_RETENTION_DAYS} days`],
    ['daily dead-letter reminder', `${String(DLQ_REMINDER_HOUR_UTC).padStart(2, '0')}:00 UTC`],
  ])('states "%s" as the code sets it', (start, figure) => {
    expect(row(start)).toContain(figure);
  });
});
