import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * The operator CLI's HTTP client: plain requests to the local runtime, SigV4-signed requests
 * (service `execute-api`, credentials from the standard AWS chain) to a deployed stage.
 * Every failure becomes an `OpsError` with a message an operator can act on.
 */

/** A failure the CLI reports in one line, and exits non-zero. */
export class OpsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OpsError';
  }
}

/** SHA-256 (or HMAC-SHA256 with a secret) in the shape `SignatureV4` expects. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {}
}

export interface OpsClientOptions {
  /** Base URL: the local runtime or the stage's API. */
  readonly baseUrl: string;
  /** Sign with SigV4 for this region; absent for the local runtime. */
  readonly signRegion?: string;
  /**
   * The only host requests are signed for: the stage's own API host, from its stack outputs.
   * A signed request for any other host is refused before it is sent. Required with
   * `signRegion`.
   */
  readonly signHost?: string;
  /** @default fetch */
  readonly fetchImpl?: typeof fetch;
}

export interface OpsAnswer {
  readonly status: number;
  readonly body: unknown;
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** Whether requests to `baseUrl` need signing: everything but the local runtime. */
export const needsSigning = (baseUrl: string): boolean => !isLoopback(new URL(baseUrl));

export const createOpsClient = (options: OpsClientOptions) => {
  const fetchImpl = options.fetchImpl ?? fetch;
  const signer = options.signRegion
    ? new SignatureV4({
        service: 'execute-api',
        region: options.signRegion,
        credentials: defaultProvider(),
        sha256: Sha256,
      })
    : undefined;

  return async (
    method: 'GET' | 'POST',
    path: string,
    query: Readonly<Record<string, string | undefined>> = {},
    /** Sent as JSON (POST only). */
    json?: unknown,
  ): Promise<OpsAnswer> => {
    const payload =
      method === 'POST' ? (json === undefined ? '' : JSON.stringify(json)) : undefined;
    let url: URL;
    try {
      url = new URL(path, options.baseUrl);
    } catch (error) {
      throw new OpsError(`not a URL: ${options.baseUrl}`, { cause: error });
    }
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    let headers: Record<string, string> = {
      host: url.host,
      accept: 'application/json',
      ...(payload ? { 'content-type': 'application/json' } : {}),
    };
    if (signer && url.host !== options.signHost) {
      throw new OpsError(
        `refusing to sign a request for ${url.host}: the CLI signs only for the stage's own API host${options.signHost ? ` (${options.signHost})` : ''}, read from its stack outputs`,
      );
    }
    if (signer) {
      const queryObject: Record<string, string> = {};
      url.searchParams.forEach((value, name) => {
        queryObject[name] = value;
      });
      try {
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          path: url.pathname,
          query: queryObject,
          headers,
          body: payload,
        });
        headers = signed.headers;
      } catch (error) {
        throw new OpsError(
          'no AWS credentials found: set AWS_PROFILE, or run `aws configure` / `aws sso login` (the standard AWS credential chain is used)',
          { cause: error },
        );
      }
    }
    const { host: _host, ...sent } = headers;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers: sent,
        // A redirect could carry a signed request, or an operator's trust, to another host.
        redirect: 'manual',
        ...(payload === undefined ? {} : { body: payload }),
      });
    } catch (error) {
      throw new OpsError(
        `cannot reach ${url.origin}: is the URL right${isLoopback(url) ? ', and is `npm start` running' : ''}?`,
        { cause: error },
      );
    }
    if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
      const location = response.headers.get('location');
      throw new OpsError(
        `${url.origin} answered a redirect (${response.status}${location ? ` to ${location}` : ''}); the CLI follows no redirect, so a request never goes to a host it was not meant for: check --url or --stage`,
      );
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: API Gateway's own errors can be plain text; shown as is.
    }
    return { status: response.status, body };
  };
};

export type OpsClient = ReturnType<typeof createOpsClient>;
