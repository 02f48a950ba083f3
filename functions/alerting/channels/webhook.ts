import * as v from 'valibot';
import { ConfigError, readStageSecret, type StageSecret, stageSecretField } from '../../config.ts';
import { ReceiverError } from '../../core/errors.ts';

/**
 * What every chat webhook shares: a URL that is a credential (anyone holding it can post, so it
 * is never logged or put in an error message), read from the stage secret or given directly;
 * `Retry-After` on a `429`; and a plain JSON POST with a timeout for services without a client
 * of their own.
 */

/** The URL or secret does not hold a usable webhook URL. */
export class WebhookConfigError extends ReceiverError {}

/** The service answered `429`; `retryAfterMs` comes from its `Retry-After` header. */
export class WebhookRateLimitedError extends ReceiverError {
  readonly statusCode = 429;
  constructor(
    readonly service: string,
    readonly retryAfterMs: number,
  ) {
    super(`${service} rate-limited the post; retry after ${retryAfterMs} ms`);
  }
}

/** The service refused the post (any status but 2xx and 429); `413`: the body was too large. */
export class WebhookRefusedError extends ReceiverError {
  constructor(
    readonly service: string,
    readonly statusCode: number,
  ) {
    super(`${service} answered ${statusCode}`);
  }
}

/** Without a usable `Retry-After`, wait a second. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** A hung service must fail the record well within the function timeout. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`. */
export const parseRetryAfter = (header: string | null, now = Date.now()): number => {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
};

/** The wait a rate-limited post asks for, or `undefined` when the error is something else. */
export const retryAfterOf = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as { statusCode?: unknown; retryAfterMs?: unknown };
  if (fields.statusCode !== 429) return undefined;
  return typeof fields.retryAfterMs === 'number' ? fields.retryAfterMs : DEFAULT_RETRY_AFTER_MS;
};

export const WebhookUrlSchema = v.pipe(v.string(), v.trim(), v.url());

/** `url` trimmed, or a {@link WebhookConfigError} that does not repeat it. */
export const webhookUrl = (url: string, service: string): string => {
  if (!v.is(WebhookUrlSchema, url)) {
    throw new WebhookConfigError(`the ${service} webhook URL is not a URL`);
  }
  return url.trim();
};

/** How long a fetched secret is reused; a rotated URL is picked up within this. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A reader of the webhook URL held in field `field` of the stage secret (see
 * `readStageSecret`): read on use (not at import, so a cold start does not fail before the
 * first record can be retried) and cached by Powertools.
 */
export const secretWebhookUrl =
  (
    secretId: string,
    field: string,
    read: (secretId: string, maxAgeSeconds: number) => Promise<StageSecret> = readStageSecret,
  ) =>
  async (): Promise<string> => {
    let value: unknown;
    try {
      const secret = await read(secretId, SECRET_MAX_AGE_SECONDS);
      value = stageSecretField(secret, field, secretId);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new WebhookConfigError(error.message, { cause: error });
    }
    const url = v.safeParse(WebhookUrlSchema, value);
    if (!url.success) {
      throw new WebhookConfigError(`field ${field} of secret ${secretId} is not a URL`);
    }
    return url.output;
  };

/**
 * POSTs `body` as JSON to `url`: resolves on 2xx, throws {@link WebhookRateLimitedError} on
 * 429 and {@link WebhookRefusedError} on any other status. The response body is read and
 * dropped; neither the URL nor the body is repeated in an error.
 */
export const postJson = async (
  service: string,
  url: string,
  body: unknown,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<void> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  await response.body?.cancel();
  if (response.status === 429) {
    throw new WebhookRateLimitedError(
      service,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
  if (response.status < 200 || response.status >= 300) {
    throw new WebhookRefusedError(service, response.status);
  }
};

/** A webhook that takes one JSON body per post. */
export interface JsonWebhook {
  send(body: unknown): Promise<void>;
}

/** A {@link JsonWebhook} at `url` (checked now, never repeated in an error). */
export const jsonWebhook = (service: string, url: string): JsonWebhook => {
  const checked = webhookUrl(url, service);
  return { send: (body) => postJson(service, checked, body) };
};

/** A {@link JsonWebhook} at the URL in field `field` of the stage secret, read on use. */
export const secretJsonWebhook = (
  service: string,
  secretId: string,
  field: string,
  read?: (secretId: string, maxAgeSeconds: number) => Promise<StageSecret>,
): JsonWebhook => {
  const urlOf = secretWebhookUrl(secretId, field, read);
  return { send: async (body) => postJson(service, await urlOf(), body) };
};
