import { createHash } from 'node:crypto';
import type { ValidationError } from './events.ts';
import {
  QUARANTINE_EXCERPT_BYTES,
  QUARANTINE_MAX_ERRORS,
  QUARANTINE_PAYLOAD_MAX_BYTES,
  truncateBytes,
  utf8Bytes,
} from './limits.ts';
import type { QueueMessage } from './queue-message.ts';
import { redactAccessTokens } from './redaction.ts';

/**
 * What a quarantine keeps, bounded so that the quarantine itself always fits the queue
 * message and the DynamoDB item: a few readable errors, and the payload (tokens redacted)
 * whole when small enough, else an excerpt with the full size and a digest.
 */

/** At most {@link QUARANTINE_MAX_ERRORS} errors, the last one counting those left out. */
export const boundErrors = (errors: readonly ValidationError[]): ValidationError[] =>
  errors.length <= QUARANTINE_MAX_ERRORS
    ? [...errors]
    : [
        ...errors.slice(0, QUARANTINE_MAX_ERRORS - 1),
        {
          path: '(root)',
          message: `${errors.length - QUARANTINE_MAX_ERRORS + 1} more errors not listed`,
        },
      ];

/**
 * What a quarantine message keeps of a payload: the whole of it (tokens redacted) when it
 * fits a quarantine item, else an excerpt plus the full size and digest.
 */
export const quarantinePayload = (
  text: string,
): Pick<Extract<QueueMessage, { kind: 'quarantine' }>, 'payloadBase64' | 'payload'> => {
  const redacted = redactAccessTokens(text);
  const bytes = utf8Bytes(redacted);
  if (bytes <= QUARANTINE_PAYLOAD_MAX_BYTES) {
    return { payloadBase64: Buffer.from(redacted, 'utf8').toString('base64') };
  }
  return {
    payloadBase64: Buffer.from(truncateBytes(redacted, QUARANTINE_EXCERPT_BYTES), 'utf8').toString(
      'base64',
    ),
    payload: {
      truncated: true,
      bytes,
      sha256: createHash('sha256').update(redacted, 'utf8').digest('hex'),
    },
  };
};
