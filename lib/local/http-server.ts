import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ReceiverError } from '../../functions/core/errors.ts';
import { MAX_BODY_BYTES } from '../../functions/definitions/resources.ts';

/** An HTTP API (payload v2) Lambda handler, as the ingest and query handlers are. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One route of the local API: `METHOD /path` with `{name}` path parameters. */
export interface Route {
  readonly routeKey: string;
  readonly handler: HttpApiHandler;
  /**
   * An operator route (reads, replays, redrives): refused to cross-site browser requests
   * (an `Origin` of another site, or `Sec-Fetch-Site` other than `same-origin`/`none`).
   * Webhook routes are called server to server, so they are not.
   */
  readonly operator?: boolean;
}

export interface HttpServerOptions {
  readonly routes: readonly Route[];
  readonly host: string;
  readonly port: number;
  /** Lines about failed handlers; details stay here, callers get a generic 500. */
  readonly log: (line: string) => void;
  /**
   * `Host` values accepted besides the runtime's own address (`127.0.0.1:<port>`,
   * `localhost:<port>`, `[::1]:<port>`): e.g. a tunnel's host name (`ALLOWED_HOSTS`). An entry
   * without a port matches that host on any port.
   */
  readonly allowedHosts?: readonly string[];
}

export interface LocalHttpServer {
  readonly url: string;
  /** Stops accepting connections and waits for requests in flight to be answered. */
  stop(): Promise<void>;
}

/**
 * Bodies just over the webhook limit must reach the ingest handler, which answers its own
 * 413; only far larger ones are cut off here, so an upload cannot exhaust memory.
 */
export const HARD_BODY_CAP_BYTES = 4 * MAX_BODY_BYTES;

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * API Gateway HTTP APIs hand Lambda a UTF-8 body only for text media types; anything else,
 * including a missing Content-Type and form posts, arrives base64-encoded.
 */
const isTextContentType = (contentType: string | undefined): boolean => {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/xml' ||
    mediaType.endsWith('+xml') ||
    mediaType === 'application/javascript'
  );
};

interface CompiledRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
  readonly route: Route;
}

const compile = (route: Route): CompiledRoute => {
  const [method, path] = route.routeKey.split(' ');
  if (!method || !path) throw new Error(`route key "${route.routeKey}" is not "METHOD /path"`);
  const parameterNames: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter?.[1]) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      parameterNames.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`), parameterNames, route };
};

type Match = { readonly route: Route; readonly pathParameters?: Record<string, string> };

const match = (
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): Match | undefined => {
  for (const compiled of routes) {
    if (compiled.method !== method) continue;
    const found = compiled.pattern.exec(path);
    if (!found) continue;
    if (compiled.parameterNames.length === 0) return { route: compiled.route };
    const pathParameters: Record<string, string> = {};
    compiled.parameterNames.forEach((name, index) => {
      pathParameters[name] = decodePathParameter(found[index + 1] ?? '');
    });
    return { route: compiled.route, pathParameters };
  }
  return undefined;
};

/** A request API Gateway would refuse before any Lambda runs: a malformed path or header. */
class BadRequestError extends ReceiverError {
  constructor(reason: string) {
    super(reason);
  }
}

const decodePathParameter = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('malformed percent-encoding in the path');
  }
};

class BodyTooLargeError extends ReceiverError {
  constructor() {
    super(`request body exceeds ${HARD_BODY_CAP_BYTES} bytes`);
  }
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > HARD_BODY_CAP_BYTES) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HARD_BODY_CAP_BYTES) {
        request.removeAllListeners('data');
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** API Gateway's `requestContext.time`, e.g. `22/Nov/2025:11:30:00 +0000`. */
const requestTime = (date: Date): string => {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
};

/** Lower-cased headers, repeated ones joined by commas, cookies left to `cookies`. */
const eventHeaders = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]?.toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (!name || name === 'cookie') continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
};

const queryParameters = (search: URLSearchParams): Record<string, string> | undefined => {
  const parameters: Record<string, string> = {};
  for (const [name, value] of search) {
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
};

/** Builds the event API Gateway (HTTP API, payload format 2.0) would hand the Lambda. */
export const toHttpApiEvent = (
  request: IncomingMessage,
  matched: Match,
  body: Buffer,
  now: Date,
): APIGatewayProxyEventV2 => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers = eventHeaders(request);
  const cookies = request.headers.cookie?.split(';').map((cookie) => cookie.trim());
  const method = request.method ?? 'GET';
  const isText = isTextContentType(headers['content-type']);
  const queryStringParameters = queryParameters(url.searchParams);
  return {
    version: '2.0',
    routeKey: matched.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(matched.pathParameters ? { pathParameters: matched.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: matched.route.routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    // API Gateway omits `body` for requests without one.
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
};

const sendJson = (response: ServerResponse, statusCode: number, payload: unknown): void => {
  response.writeHead(statusCode, JSON_HEADERS);
  response.end(JSON.stringify(payload));
};

const sendResult = (response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers[name] = String(value);
  }
  // A Lambda result without a content type is served as JSON by API Gateway.
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  response.writeHead(result.statusCode ?? 200, headers);
  if (result.cookies?.length) response.setHeader('set-cookie', result.cookies);
  const body = result.body ?? '';
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
};

/** Host names that mean this machine, for the `Host` check. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Why a request must not reach a handler, or `undefined` when it may: the runtime answers only
 * requests addressed to itself (a page on another site reaching it through DNS rebinding
 * names that site in `Host`), and keeps its operator routes from cross-site browser requests
 * (a simple cross-site `POST` needs no CORS preflight).
 */
export const refusal = (
  headers: Readonly<Record<string, string | string[] | undefined>>,
  ownHosts: ReadonlySet<string>,
  allowedHostNames: ReadonlySet<string>,
  operator: boolean,
): string | undefined => {
  const host = String(headers.host ?? '').toLowerCase();
  const hostName = host.replace(/:\d+$/, '');
  if (!ownHosts.has(host) && !allowedHostNames.has(host) && !allowedHostNames.has(hostName)) {
    return `Host "${host.slice(0, 100)}" is not this runtime's address (${[...ownHosts].join(', ')}); add it to ALLOWED_HOSTS to accept it`;
  }
  if (!operator) return undefined;
  const origin = headers.origin;
  if (origin !== undefined && String(origin).toLowerCase() !== `http://${host}`) {
    return `cross-site request (Origin "${String(origin).slice(0, 100)}") to an operator route; use the CLI (npm run ops) or a page served by this runtime`;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `cross-site request (Sec-Fetch-Site "${String(site).slice(0, 40)}") to an operator route; use the CLI (npm run ops)`;
  }
  return undefined;
};

/**
 * A node:http server on loopback that plays API Gateway: it matches routes, turns requests
 * into payload v2 events, and turns handler results back into HTTP. `GET /health` is local
 * only; unknown routes get API Gateway's own 404.
 */
export const startHttpServer = async (options: HttpServerOptions): Promise<LocalHttpServer> => {
  const routes = options.routes.map(compile);
  // Filled in once the port is known (port 0 picks one).
  const ownHosts = new Set<string>();
  const allowedHostNames = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    let path: string;
    try {
      path = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      throw new BadRequestError('malformed request target');
    }
    if (method === 'GET' && path === '/health') {
      sendJson(response, 200, { status: 'ok' });
      return;
    }
    const matched = match(routes, method, path);
    const refused = refusal(
      request.headers,
      ownHosts,
      allowedHostNames,
      matched?.route.operator ?? false,
    );
    if (refused) {
      request.resume();
      sendJson(response, 403, { message: `Forbidden: ${refused}` });
      return;
    }
    if (!matched) {
      request.resume();
      sendJson(response, 404, { message: 'Not Found' });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // Stop reading a body we will never use; the client learns why before the socket goes.
        response.writeHead(413, { ...JSON_HEADERS, connection: 'close' });
        response.end(JSON.stringify({ message: 'Request Entity Too Large' }), () =>
          request.destroy(),
        );
        return;
      }
      throw error;
    }
    const event = toHttpApiEvent(request, matched, body, new Date());
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await matched.route.handler(event);
    } catch (error) {
      options.log(
        `${matched.route.routeKey} failed (request ${event.requestContext.requestId}): ${
          error instanceof Error ? (error.stack ?? error.message) : String(error)
        }`,
      );
      sendJson(response, 500, { message: 'Internal Server Error' });
      return;
    }
    sendResult(response, result);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof BadRequestError && !response.headersSent) {
        request.resume();
        sendJson(response, 400, { message: 'Bad Request' });
        return;
      }
      options.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });

  // Requests node:http cannot parse (malformed request line or headers) get a 400, not a reset.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  for (const name of new Set([...LOOPBACK_NAMES, options.host.toLowerCase()])) {
    ownHosts.add(`${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`);
  }

  return {
    url: `http://${options.host}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // close() refuses new connections and resolves once in-flight requests are answered.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
};
