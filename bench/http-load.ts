import { Agent, request } from 'node:http';
import { ReceiverError } from '../functions/core/errors.ts';

/**
 * The one HTTP client every latency figure is measured with: keep-alive sockets (a sender
 * like HappyColis reuses its connections), a fixed number of requests in flight, latency from
 * the request's start to the last byte of the answer.
 */

export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export class LoadError extends ReceiverError {}

/** A keep-alive client bound to one base URL. */
export const createClient = (baseUrl: string, maxSockets: number) => {
  const base = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (req: LoadRequest): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        {
          agent,
          hostname: base.hostname,
          port: base.port,
          method: req.method,
          path: req.path,
          headers: {
            ...req.headers,
            ...(req.body === undefined ? {} : { 'content-length': Buffer.byteLength(req.body) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  return { send, close: () => agent.destroy() };
};
export type Client = ReturnType<typeof createClient>;

export interface LoadOptions {
  readonly client: Client;
  readonly requests: readonly LoadRequest[];
  readonly concurrency: number;
  /** Throws (a {@link LoadError}) when an answer is not the one expected. */
  readonly check: (answer: Answer, index: number) => void;
  /** The run fails rather than hang past this moment (`performance.now()` time). */
  readonly deadline: number;
  readonly onProgress?: (done: number) => void;
}

/** Sends every request with `concurrency` in flight; latencies in ms, in request order. */
export const runLoad = async (
  options: LoadOptions,
): Promise<{ latenciesMs: Float64Array; elapsedMs: number }> => {
  const { requests } = options;
  const latenciesMs = new Float64Array(requests.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      if (performance.now() > options.deadline) {
        throw new LoadError(`deadline passed after ${done}/${requests.length} requests`);
      }
      const index = next++;
      const started = performance.now();
      const answer = await options.client.send(requests[index] as LoadRequest);
      latenciesMs[index] = performance.now() - started;
      options.check(answer, index);
      done++;
      if (done % 100 === 0) options.onProgress?.(done);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latenciesMs, elapsedMs: performance.now() - started };
};
