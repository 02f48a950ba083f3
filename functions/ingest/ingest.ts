import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { storageProblems } from '../core/capacity.ts';
import { ReceiverError } from '../core/errors.ts';
import { parseDeliveryErrorNotice, parseWebhook, type ValidationError } from '../core/events.ts';
import { parseJson } from '../core/json.ts';
import { SQS_MESSAGE_MAX_BYTES, utf8Bytes } from '../core/limits.ts';
import type { EventQueue } from '../core/ports.ts';
import { boundErrors, quarantinePayload } from '../core/quarantine.ts';
import {
  encodeQueueMessage,
  type QuarantineSource,
  type QueueMessage,
} from '../core/queue-message.ts';
import { isContentRefusal } from '../core/refusals.ts';
import {
  canonicalPayload,
  SIGNATURE_HEADER,
  verifyBearerToken,
  verifySignature,
} from '../core/signature.ts';
import { MAX_BODY_BYTES } from '../definitions/resources.ts';
import { ROUTES } from '../definitions/routes.ts';
import { type JsonResponse, jsonResponder } from '../http/json-response.ts';

export interface IngestConfig {
  /** HappyColis client secrets; several while one is rotated. At least one. */
  readonly happycolisSecrets: readonly string[];
  /** Bearer tokens accepted on `/webhooks/delivery-errors`. None: every notice gets 401. */
  readonly webhookTokens: readonly string[];
}

export interface IngestDeps {
  /**
   * Fixed lists (a laptop, tests), or where to get the current ones on each request (the
   * cloud: the stage secret, re-read at most every few minutes; see `createCredentialSource`).
   */
  readonly config: IngestConfig | (() => Promise<IngestConfig>);
  readonly queue: EventQueue;
  readonly clock?: () => Date;
  readonly logger?: Logger;
}

type Response = JsonResponse;

const { ok, failure } = jsonResponder();

/** Raised at start-up when the handler would otherwise accept unauthenticated webhooks. */
export class MissingSecretError extends ReceiverError {
  constructor() {
    super(
      'no HappyColis client secret is configured: refusing to start rather than accept ' +
        'unsigned webhooks (set HAPPYCOLIS_SECRETS or HAPPYCOLIS_SECRETS_SECRET_ID)',
    );
  }
}

const bodyBytes = (event: APIGatewayProxyEventV2): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

/**
 * The documented signing form, `JSON.stringify({header, body})` of the parsed body; `undefined`
 * when the body is not JSON, or nests so deep that re-serialising it exhausts the stack
 * (a `RangeError`, caught here like a parse error: the raw bytes may still match).
 */
const signedForm = (text: string): string | undefined => {
  const json = parseJson(text);
  if (!json.success) return undefined;
  try {
    return canonicalPayload(json.value);
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
 * - valid but beyond what SQS or DynamoDB can hold (see `functions/core/limits.ts`) → the same
 *   `200 quarantined`, with the limit named: decided here, because a `200` followed by a
 *   processor failure would be silent loss;
 * - valid → `200 {"status":"accepted",…}` once SQS has the message; if SQS is unavailable →
 *   `503`, so the sender retries. Never a `200` for something not durably queued, never a
 *   `5xx` for something retrying cannot fix.
 */
export const createIngestHandler = ({
  config,
  queue,
  clock = () => new Date(),
  logger,
}: IngestDeps) => {
  if (typeof config !== 'function') {
    if (config.happycolisSecrets.length === 0) throw new MissingSecretError();
    if (config.webhookTokens.length === 0) {
      logger?.warn('no delivery-error token configured: every delivery-error notice will get 401');
    }
  }
  const credentials = typeof config === 'function' ? config : async () => config;

  const unavailable = (message: QueueMessage, error: unknown) => {
    logger?.error('could not enqueue; answering 503 so the sender retries', {
      kind: message.kind,
      error,
    });
    return failure(503, 'unavailable', 'the event could not be queued; retry later', {
      'retry-after': '5',
    });
  };

  const quarantine = async (
    source: QuarantineSource,
    text: string,
    errors: readonly ValidationError[],
    receivedAt: string,
  ): Promise<Response> => {
    const bounded = boundErrors(errors);
    const message: QueueMessage = {
      kind: 'quarantine',
      receivedAt,
      source,
      errors: bounded,
      ...quarantinePayload(text),
    };
    try {
      await queue.send(message);
    } catch (error) {
      return unavailable(message, error);
    }
    return ok({ status: 'quarantined', errors: bounded });
  };

  /**
   * Answers 200 with `answer` only once the message is durably queued. A message SQS could not
   * hold is quarantined instead, with the reason: the sender cannot fix that by retrying.
   */
  const enqueue = async (
    message: Extract<QueueMessage, { kind: 'webhook' | 'delivery-error' }>,
    quarantineAs: { readonly source: QuarantineSource; readonly text: string },
    answer: (queueMessageId: string) => Record<string, unknown>,
  ): Promise<Response> => {
    const size = utf8Bytes(encodeQueueMessage(message));
    const tooLarge = (): ValidationError[] => [
      {
        path: '(root)',
        message: `the queue message would be ${size} bytes; SQS allows at most ${SQS_MESSAGE_MAX_BYTES}`,
      },
    ];
    if (size > SQS_MESSAGE_MAX_BYTES) {
      return quarantine(quarantineAs.source, quarantineAs.text, tooLarge(), message.receivedAt);
    }
    try {
      const { queueMessageId } = await queue.send(message);
      return ok(answer(queueMessageId));
    } catch (error) {
      if (!isContentRefusal(error, 'sqs')) return unavailable(message, error);
      logger?.warn('SQS refused the message content; quarantining it', { kind: message.kind });
      return quarantine(
        quarantineAs.source,
        quarantineAs.text,
        [{ path: '(root)', message: 'SQS refused the queue message content' }],
        message.receivedAt,
      );
    }
  };

  const receiveWebhook = async (event: APIGatewayProxyEventV2, bytes: Buffer) => {
    const { happycolisSecrets } = await credentials();
    if (happycolisSecrets.length === 0) {
      // Fail closed, and say it is ours: no request can be authenticated.
      return failure(
        503,
        'not_configured',
        'no usable HappyColis client secret is configured; retry later',
        { 'retry-after': '60' },
      );
    }
    const signature = event.headers[SIGNATURE_HEADER];
    const text = bytes.toString('utf8');
    const signs = (payload: Uint8Array | string | undefined) =>
      payload !== undefined && verifySignature(signature, [payload], happycolisSecrets);
    // The raw bytes first (what senders sign in practice); the documented re-serialised
    // form only when they don't match, so most requests parse the JSON once.
    const authentic = signs(bytes) || signs(signedForm(text));
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
    const problems = storageProblems(parsed.value);
    if (problems.length > 0) return quarantine('happycolis', text, problems, receivedAt);
    const { header, body } = parsed.value.event;
    return enqueue(
      { kind: 'webhook', receivedAt, webhook: { header, body } },
      { source: 'happycolis', text },
      (queueMessageId) => ({
        status: 'accepted',
        messageId: header.messageId,
        queueMessageId,
      }),
    );
  };

  const receiveNotice = async (event: APIGatewayProxyEventV2, bytes: Buffer) => {
    const { webhookTokens } = await credentials();
    if (!verifyBearerToken(event.headers.authorization, webhookTokens)) {
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
      { source: 'delivery-errors', text },
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
