import { createHash } from 'node:crypto';
import * as v from 'valibot';

/**
 * Opaque pagination cursors. A cursor holds a position in a list (the last list key shown)
 * and a digest of the query it belongs to, nothing else: no DynamoDB key, no credential. It
 * is checked on the way back in, so a cursor that was edited, cut, or belongs to another
 * query is refused with a message rather than silently giving a wrong page.
 */

const VERSION = 1;

const CursorSchema = v.object({
  v: v.literal(VERSION),
  /** The list key of the last item of the previous page. */
  a: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  /** Digest of the query (route and filters) the cursor was made for. */
  q: v.string(),
  /** Checksum over the fields above, so an edit is caught. */
  c: v.string(),
});

/** A cursor that cannot be used: the message says why and is fit for the caller. */
export class InvalidCursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

const digest = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22);

/** The digest of a query: its kind and filters, in a stable order. */
export const queryDigest = (kind: string, filter: Readonly<Record<string, unknown>>): string =>
  digest(
    JSON.stringify([
      kind,
      Object.entries(filter)
        .filter(([, value]) => value !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ]),
  );

const checksum = (after: string, query: string) => digest(`${VERSION}\u0000${after}\u0000${query}`);

/** Encodes the position `after` of the query `query` (see {@link queryDigest}). */
export const encodeCursor = (after: string, query: string): string =>
  Buffer.from(
    JSON.stringify({ v: VERSION, a: after, q: query, c: checksum(after, query) }),
    'utf8',
  ).toString('base64url');

/**
 * The position a cursor holds, if it was made by {@link encodeCursor} for the same query.
 * @throws InvalidCursorError otherwise
 */
export const decodeCursor = (cursor: string, query: string): string => {
  if (!/^[A-Za-z0-9_-]{1,8192}$/.test(cursor)) {
    throw new InvalidCursorError('cursor is not one this API returned (bad encoding)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this API returned (not readable)');
  }
  const result = v.safeParse(CursorSchema, parsed);
  if (!result.success) {
    throw new InvalidCursorError('cursor is not one this API returned (unknown shape)');
  }
  const { a, q, c } = result.output;
  if (c !== checksum(a, q)) throw new InvalidCursorError('cursor was altered');
  if (q !== query) {
    throw new InvalidCursorError(
      'cursor belongs to another query: repeat the same filters, or start without a cursor',
    );
  }
  return a;
};
