import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What an HTTP function answers through API Gateway (payload format 2.0). */
export type JsonResponse = APIGatewayProxyStructuredResultV2;

/**
 * The one JSON responder of the HTTP functions (ingest, query and the operator routes), after middy's rule: a 4xx
 * message is written for the caller and shown as is; a 5xx body is generic, and its details go
 * to the log only.
 */
export const jsonResponder = (defaultHeaders: Record<string, string> = {}) => {
  const json = (
    statusCode: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): JsonResponse => ({
    statusCode,
    headers: { 'content-type': 'application/json', ...defaultHeaders, ...headers },
    body: JSON.stringify(body),
  });
  return {
    /** Any status with `body` as JSON, for routes whose answers are more than ok/failure. */
    json,
    /** `200` with `body` as JSON. */
    ok: (body: unknown, headers?: Record<string, string>): JsonResponse => json(200, body, headers),
    /**
     * `{error, message}` for the caller: a 4xx, or a 5xx whose message tells the caller what to
     * do (e.g. `503` with `retry-after`) and holds nothing internal.
     */
    failure: (
      statusCode: number,
      error: string,
      message: string,
      headers?: Record<string, string>,
    ): JsonResponse => json(statusCode, { error, message }, headers),
    /** A generic `500`; `what` and `details` (the error, ids) go to the log only. */
    internalError: (
      logger: Logger | undefined,
      what: string,
      details: Record<string, unknown>,
    ): JsonResponse => {
      logger?.error(what, details);
      return json(500, INTERNAL_ERROR_BODY);
    },
  };
};

/** The body of every unexpected failure: nothing about its cause reaches the caller. */
export const INTERNAL_ERROR_BODY = { error: 'internal_error', message: 'internal error' } as const;
