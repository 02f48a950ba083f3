import {
  ErrorCode,
  type FetchFunction,
  IncomingWebhook,
  type IncomingWebhookSendArguments,
  SlackWebhookError,
} from '@slack/webhook';
import * as v from 'valibot';
import { ConfigError, readStageSecret, type StageSecret, stageSecretField } from '../config.ts';
import { ReceiverError } from '../core/errors.ts';

/**
 * The Slack side of the notifier: an incoming webhook URL, posted to with the official
 * `@slack/webhook` client. The URL is a credential (anyone holding it can post to the
 * channel), so it is never logged or put in an error message.
 */

/** What the notifier needs of Slack: `IncomingWebhook#send`. */
export interface SlackWebhook {
  send(message: IncomingWebhookSendArguments): Promise<unknown>;
}

/** Slack answered `429`; `retryAfterMs` comes from its `Retry-After` header. */
export class SlackRateLimitedError extends SlackWebhookError {
  readonly code = ErrorCode.HTTPError;
  readonly statusCode = 429;
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super(`Slack rate-limited the post; retry after ${retryAfterMs} ms`);
    // SlackWebhookError sets its own name from the constructor; kept explicit for bundlers.
    this.name = 'SlackRateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** The URL or secret does not hold a usable webhook URL. */
export class SlackWebhookConfigError extends ReceiverError {}

/** Without a usable `Retry-After`, wait the documented one message per second. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** A hung Slack must fail the record well within the function timeout. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `Retry-After` in seconds (Slack's form) or as an HTTP date. */
export const parseRetryAfter = (header: string | null, now = Date.now()): number => {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
};

/**
 * `IncomingWebhook` reports a 429 without its headers, so the fetch it uses turns a 429 into
 * {@link SlackRateLimitedError} first. Being a `SlackWebhookError`, it passes through the
 * client unchanged; the client's own retries stay off, the notifier decides.
 */
const rateLimitAwareFetch: FetchFunction = async (url, init) => {
  const response = await fetch(url, init);
  if (response.status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    await response.body?.cancel();
    throw new SlackRateLimitedError(retryAfterMs);
  }
  return response;
};

const WebhookUrlSchema = v.pipe(v.string(), v.trim(), v.url());

export const createIncomingWebhook = (url: string): SlackWebhook => {
  if (!v.is(WebhookUrlSchema, url)) {
    throw new SlackWebhookConfigError('the Slack webhook URL is not a URL');
  }
  return new IncomingWebhook(url.trim(), {
    fetch: rateLimitAwareFetch,
    timeout: REQUEST_TIMEOUT_MS,
    retryConfig: { retries: 0 },
  });
};

/** The stage secret's field holding the URL; named like the variable a laptop sets instead. */
export const SLACK_WEBHOOK_URL_FIELD = 'SLACK_WEBHOOK_URL';

/** How long a fetched secret is reused; a rotated URL is picked up within this. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A webhook whose URL is the `SLACK_WEBHOOK_URL` field of the stage secret (see
 * `readStageSecret`). Read on first use (not at import, so a cold start does not fail before
 * the first record can be retried) and cached by Powertools.
 */
export const secretIncomingWebhook = (
  secretId: string,
  read: (secretId: string, maxAgeSeconds: number) => Promise<StageSecret> = readStageSecret,
): SlackWebhook => {
  let current: { url: string; webhook: SlackWebhook } | undefined;
  return {
    send: async (message) => {
      let value: unknown;
      try {
        const secret = await read(secretId, SECRET_MAX_AGE_SECONDS);
        value = stageSecretField(secret, SLACK_WEBHOOK_URL_FIELD, secretId);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        throw new SlackWebhookConfigError(error.message, { cause: error });
      }
      const url = v.safeParse(WebhookUrlSchema, value);
      if (!url.success) {
        throw new SlackWebhookConfigError(
          `field ${SLACK_WEBHOOK_URL_FIELD} of secret ${secretId} is not a URL`,
        );
      }
      if (current?.url !== url.output) {
        current = { url: url.output, webhook: createIncomingWebhook(url.output) };
      }
      return current.webhook.send(message);
    },
  };
};
