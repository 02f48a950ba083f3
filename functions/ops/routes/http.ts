import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as v from 'valibot';
import { decodeCursor, encodeCursor, InvalidCursorError, queryDigest } from '../../core/cursor.ts';
import { ReceiverError } from '../../core/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type PageRequest } from '../../core/fleet.ts';
import { jsonResponder } from '../../http/json-response.ts';

/** An HTTP API (payload v2) route handler. */
export type RouteHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

// Operator views are read at the time of the request; no cache may serve them later.
export const { json, failure, internalError } = jsonResponder({ 'cache-control': 'no-store' });

/** A request the caller must fix; the message is shown to them. */
export class BadRequestError extends ReceiverError {}

export const badRequest = (message: string) => failure(400, 'bad_request', message);

const LimitSchema = v.pipe(
  v.string(),
  v.regex(/^[0-9]{1,4}$/, 'must be a whole number'),
  v.transform(Number),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`),
);

/**
 * The query string of a list route: the filters `schema` knows, plus `limit` and `cursor`.
 * Unknown parameters are refused, so a misspelt filter never silently lists everything.
 * @throws BadRequestError with a message naming the parameter
 */
export const parseListQuery = <S extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  event: APIGatewayProxyEventV2,
  kind: string,
  schema: S,
): { filter: v.InferOutput<S>; page: PageRequest; digest: string } => {
  const { limit, cursor, ...rest } = event.queryStringParameters ?? {};
  const known = new Set(Object.keys(schema.entries));
  const unknown = Object.keys(rest).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `unknown query parameter ${unknown.join(', ')}; allowed: ${[...known, 'limit', 'cursor'].join(', ')}`,
    );
  }
  const filter = v.safeParse(schema, rest);
  if (!filter.success) {
    const issue = filter.issues[0];
    throw new BadRequestError(`${v.getDotPath(issue) ?? 'query'}: ${issue.message}`);
  }
  let size = DEFAULT_PAGE_SIZE;
  if (limit !== undefined) {
    const parsed = v.safeParse(LimitSchema, limit);
    if (!parsed.success) throw new BadRequestError(`limit: ${parsed.issues[0].message}`);
    size = parsed.output;
  }
  const digest = queryDigest(kind, filter.output as Record<string, unknown>);
  let after: string | undefined;
  if (cursor !== undefined) {
    try {
      after = decodeCursor(cursor, digest);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestError(error.message);
      throw error;
    }
  }
  return { filter: filter.output, page: { limit: size, ...(after ? { after } : {}) }, digest };
};

/** A page as the API answers it: the items and, when more follow, an opaque cursor. */
export const pageBody = <T>(page: Page<T>, digest: string) => ({
  items: page.items,
  ...(page.next === undefined ? {} : { cursor: encodeCursor(page.next, digest) }),
});
