import {
  ErrorCode,
  type FetchFunction,
  IncomingWebhook,
  type IncomingWebhookSendArguments,
  SlackWebhookError,
} from '@slack/webhook';
import type { StageSecret } from '../../config.ts';
import { parseRetryAfter, secretWebhookUrl, WEBHOOK_TIMEOUT_MS, webhookUrl } from './webhook.ts';

/**
 * Slack's side of the Slack channel: an incoming webhook URL, posted to with the official
 * `@slack/webhook` client.
 */

/** What the Slack channel needs of Slack: `IncomingWebhook#send`. */
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

/**
 * `IncomingWebhook` reports a 429 without its headers, so the fetch it uses turns a 429 into
 * {@link SlackRateLimitedError} first. Being a `SlackWebhookError`, it passes through the
 * client unchanged; the client's own retries stay off, the sending shell decides.
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

export const createIncomingWebhook = (url: string): SlackWebhook =>
  new IncomingWebhook(webhookUrl(url, 'Slack'), {
    fetch: rateLimitAwareFetch,
    timeout: WEBHOOK_TIMEOUT_MS,
    retryConfig: { retries: 0 },
  });

/**
 * A webhook whose URL is field `field` of the stage secret, read on first use and cached; a
 * rotated URL gets a new client.
 */
export const secretIncomingWebhook = (
  secretId: string,
  field: string,
  read?: (secretId: string, maxAgeSeconds: number) => Promise<StageSecret>,
): SlackWebhook => {
  const urlOf = secretWebhookUrl(secretId, field, read);
  let current: { url: string; webhook: SlackWebhook } | undefined;
  return {
    send: async (message) => {
      const url = await urlOf();
      if (current?.url !== url) current = { url, webhook: createIncomingWebhook(url) };
      return current.webhook.send(message);
    },
  };
};
