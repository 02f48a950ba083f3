import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

/** One request a stand-in received, with when it arrived and how it was answered. */
export interface ReceivedPost {
  readonly at: number;
  readonly raw: string;
  /** The JSON posted: Slack's `text` and `blocks`, or Teams' `attachments`. */
  readonly body: {
    text?: string;
    blocks?: { type: string; [key: string]: unknown }[];
    attachments?: { contentType: string; content: unknown }[];
  };
  readonly status: number;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface WebhookStandIn {
  readonly url: string;
  /** Every request, however it was answered. */
  readonly requests: ReceivedPost[];
  /** Requests answered 2xx: the posts that reached the channel. */
  posts(): ReceivedPost[];
  /** Answers the next requests with these, in order; then as the service would again. */
  script(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server answering like a chat service's incoming webhook, on 127.0.0.1 and an
 * ephemeral port: `accepted` for a post within its limits, `413` for a body over `maxBytes`,
 * `429` with `Retry-After: 1` beyond `perSecond` requests in any second, and scripted answers
 * for the next requests when told.
 */
export const startWebhookStandIn = async (options: {
  readonly path: string;
  readonly accepted: { readonly status: number; readonly body: string };
  readonly maxBytes?: number;
  readonly perSecond?: number;
}): Promise<WebhookStandIn> => {
  const requests: ReceivedPost[] = [];
  const scripted: ScriptedResponse[] = [];
  const limited = (at: number): ScriptedResponse | undefined => {
    const recent = requests.filter((request) => request.at > at - 1_000).length;
    if (options.perSecond !== undefined && recent >= options.perSecond) {
      return { status: 429, headers: { 'retry-after': '1' }, body: 'Too many requests' };
    }
    return undefined;
  };
  const server = createServer(async (request, response) => {
    const raw = await text(request);
    const at = Date.now();
    const next: ScriptedResponse =
      scripted.shift() ??
      limited(at) ??
      (options.maxBytes !== undefined && Buffer.byteLength(raw) > options.maxBytes
        ? { status: 413, body: 'Request Entity Too Large' }
        : options.accepted);
    requests.push({ at, raw, body: JSON.parse(raw), status: next.status });
    response.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
    response.end(next.body ?? 'error');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.path}`,
    requests,
    posts: () => requests.filter((request) => request.status >= 200 && request.status < 300),
    script: (...responses) => {
      scripted.push(...responses);
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};

export type SlackStandIn = WebhookStandIn;

/** Slack's incoming webhook: `200 ok` (its limits are scripted by the tests that need them). */
export const startSlackStandIn = (): Promise<SlackStandIn> =>
  startWebhookStandIn({ path: '/services/T000/B000/XXXX', accepted: { status: 200, body: 'ok' } });

export type TeamsStandIn = WebhookStandIn;

/**
 * A Teams Workflows webhook: `202` for an accepted post, `413` over 28 KB, `429` beyond 4
 * requests a second.
 */
export const startTeamsStandIn = (): Promise<TeamsStandIn> =>
  startWebhookStandIn({
    path: '/workflows/a1b2c3/triggers/manual/paths/invoke?api-version=1',
    accepted: { status: 202, body: '' },
    maxBytes: 28_000,
    perSecond: 4,
  });
