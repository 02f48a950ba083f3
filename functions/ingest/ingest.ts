import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../../lib/definitions.ts';
import {
  parseDeliveryErrorNotice,
  parseWebhook,
  redactAccessTokens,
  type ValidationError,
} from '../core/events.ts';
import type { EventQueue } from '../core/ports.ts';
import type { QuarantineSource, QueueMessage } from '../core/queue-message.ts';
import {
  canonicalPayload,
  SIGNATURE_HEADER,
  verifyBearerToken,
  verifySignature,
} from '../core/signature.ts';

export interface IngestConfig {
  /** HappyColis client secrets; several while one is rotated. At least one. */
  readonly happycolisSecrets: readonly string[];
  /** Bearer tokens accepted on `/webhooks/delivery-errors`. None: every notice gets 401. */
  readonly webhookTokens: readonly string[];
}

export interface IngestDeps {
  readonly config: IngestConfig;
  readonly queue: EventQueue;
  readonly clock?: () => Date;
  readonly logger?: Logger;
}

type Response = APIGatewayProxyStructuredResultV2;

const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const failure = (statusCode: number, error: string, message: string, headers = {}) =>
  json(statusCode, { error, message }, headers);

export const ROUTES = {
  happycolis: '/webhooks/happycolis',
  deliveryErrors: '/webhooks/delivery-errors',
} as const;

/** Raised at start-up when the handler would otherwise accept unauthenticated webhooks. */
export class MissingSecretError extends Error {
  constructor() {
    super(
      'no HappyColis client secret is configured: refusing to start rather than accept ' +
        'unsigned webhooks (set HAPPYCOLIS_SECRETS or HAPPYCOLIS_SECRETS_SECRET_ID)',
    );
    this.name = 'MissingSecretError';
  }
}

const bodyBytes = (event: APIGatewayProxyEventV2): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

const tryParseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The ingest: authenticate, size-check, validate, enqueue, answer — no DynamoDB on this path.
 *
 * - unauthenticated → `401`, nothing queued; oversized → `413`;
 * - authentic but invalid → `200 {"status":"quarantined","errors":[…]}` with the payload
 *   (tokens redacted) queued for quarantine: a refusal would block HappyColis's FIFO queue;
 * - valid → `200 {"status":"accepted",…}` once SQS has the message; if SQS fails → `503`, so
 *   the sender retries. Never a `200` for something not durably queued.
 */
export const createIngestHandler = ({
  config,
  queue,
  clock = () => new Date(),
  logger,
}: IngestDeps) => {
  if (config.happycolisSecrets.length === 0) throw new MissingSecretError();
  if (config.webhookTokens.length === 0) {
    logger?.warn('no delivery-error token configured: every delivery-error notice will get 401');
  }

  /** Answers 200 with `answer` only once the message is durably queued. */
  const enqueue = async (
    message: QueueMessage,
    answer: (queueMessageId: string) => Record<string, unknown>,
  ): Promise<Response> => {
    try {
      const { queueMessageId } = await queue.send(message);
      return json(200, answer(queueMessageId));
    } catch (error) {
      logger?.error('could not enqueue; answering 503 so the sender retries', {
        kind: message.kind,
        error,
      });
      return failure(503, 'unavailable', 'the event could not be queued; retry later', {
        'retry-after': '5',
      });
    }
  };

  const quarantine = (
    source: QuarantineSource,
    text: string,
    errors: readonly ValidationError[],
    receivedAt: string,
  ): Promise<Response> =>
    enqueue(
      {
        kind: 'quarantine',
        receivedAt,
        source,
        errors: [...errors],
        payloadBase64: Buffer.from(redactAccessTokens(text), 'utf8').toString('base64'),
      },
      () => ({ status: 'quarantined', errors }),
    );

  const receiveWebhook = async (event: APIGatewayProxyEventV2, bytes: Buffer) => {
    const signature = event.headers[SIGNATURE_HEADER];
    const text = bytes.toString('utf8');
    const signs = (payload: Uint8Array | string | undefined) =>
      payload !== undefined && verifySignature(signature, [payload], config.happycolisSecrets);
    // The raw bytes first (what senders sign in practice); the documented re-serialised
    // form only when they don't match, so most requests parse the JSON once.
    const authentic = signs(bytes) || signs(canonicalPayload(tryParseJson(text)));
    if (!authentic) {
      return failure(
        401,
        'unauthorized',
        signature === undefined
          ? `missing ${SIGNATURE_HEADER} header`
          : `invalid ${SIGNATURE_HEADER}: it matches no configured client secret`,
      );
    }
    const receivedAt = clock().toISOString();
    const parsed = parseWebhook(text);
    if (!parsed.success) return quarantine('happycolis', text, parsed.errors, receivedAt);
    const { header, body } = parsed.value.event;
    return enqueue(
      { kind: 'webhook', receivedAt, webhook: { header, body } },
      (queueMessageId) => ({
        status: 'accepted',
        messageId: header.messageId,
        queueMessageId,
      }),
    );
  };

  const receiveNotice = async (event: APIGatewayProxyEventV2, bytes: Buffer) => {
    if (!verifyBearerToken(event.headers.authorization, config.webhookTokens)) {
      return failure(401, 'unauthorized', 'missing or invalid bearer token', {
        'www-authenticate': 'Bearer',
      });
    }
    const receivedAt = clock().toISOString();
    const text = bytes.toString('utf8');
    const parsed = parseDeliveryErrorNotice(text);
    if (!parsed.success) return quarantine('delivery-errors', text, parsed.errors, receivedAt);
    return enqueue(
      { kind: 'delivery-error', receivedAt, notice: parsed.value },
      (queueMessageId) => ({
        status: 'accepted',
        messageId: queueMessageId,
      }),
    );
  };

  return async (event: APIGatewayProxyEventV2): Promise<Response> => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    const route =
      path === ROUTES.happycolis
        ? receiveWebhook
        : path === ROUTES.deliveryErrors
          ? receiveNotice
          : undefined;
    if (!route) return failure(404, 'not_found', `no route for ${path}`);
    if (method !== 'POST') {
      return failure(405, 'method_not_allowed', `${path} accepts POST only`, { allow: 'POST' });
    }
    const bytes = bodyBytes(event);
    if (bytes.length > MAX_BODY_BYTES) {
      return failure(
        413,
        'payload_too_large',
        `the body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KiB)`,
      );
    }
    return route(event, bytes);
  };
};
