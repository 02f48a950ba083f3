import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

/** One request Slack's stand-in received, with when it arrived. */
export interface ReceivedPost {
  readonly at: number;
  readonly raw: string;
  readonly body: { text?: string; blocks?: { type: string; [key: string]: unknown }[] };
  readonly status: number;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface SlackStandIn {
  readonly url: string;
  /** Every request, answered or not with 200. */
  readonly requests: ReceivedPost[];
  /** Requests answered 200: the posts that reached the channel. */
  posts(): ReceivedPost[];
  /** Answers the next requests with these, in order; then 200 `ok` again. */
  script(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server answering like a Slack incoming webhook (`200 ok`), on 127.0.0.1 and an
 * ephemeral port, that can be told to answer 429 or 500 for the next requests.
 */
export const startSlackStandIn = async (): Promise<SlackStandIn> => {
  const requests: ReceivedPost[] = [];
  const scripted: ScriptedResponse[] = [];
  const server = createServer(async (request, response) => {
    const raw = await text(request);
    const next = scripted.shift() ?? { status: 200, body: 'ok' };
    requests.push({ at: Date.now(), raw, body: JSON.parse(raw), status: next.status });
    response.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
    response.end(next.body ?? (next.status === 200 ? 'ok' : 'error'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    requests,
    posts: () => requests.filter((request) => request.status === 200),
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
