import * as v from 'valibot';
import { ReceiverError } from '../core/errors.ts';
import { INTEGRATION_STATES } from '../core/events.ts';
import type { HappyColisCredentials } from './settings.ts';

/**
 * HappyColis's GraphQL API, within its limits: an access token per organization, cached until
 * shortly before it expires; our own pace (requests per second) across every call; `429`
 * answered by waiting its `Retry-After` (every caller waits); a network error or `5xx` retried
 * with backoff. The token and the client secret never appear in an error, a log or a result.
 */

/** Why a call failed; `retryable` ones were retried already. */
export type HappyColisErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'BAD_REQUEST'
  | 'SERVER'
  | 'NETWORK'
  | 'INVALID_ANSWER'
  | 'GRAPHQL';

export class HappyColisError extends ReceiverError {
  readonly code: HappyColisErrorCode;
  constructor(code: HappyColisErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export const LOCATION_QUERY =
  'query GetLocation($id: String) { location(id: $id) { id name locationType integration { id state fulfillmentService { id name } } } }';
export const WEBHOOK_CREATE_MUTATION =
  'mutation IntegrationWebhookCreate($input: IntegrationWebhookInput!) { integrationWebhookCreate(input: $input) { id type health endPoint } }';
export const WEBHOOK_REMOVE_MUTATION =
  'mutation IntegrationWebhookRemove($id: String!) { integrationWebhookRemove(id: $id) }';

/** The scopes the receiver asks for: reading locations, managing webhook subscriptions. */
export const HAPPYCOLIS_SCOPES = ['view_locations', 'edit_integrations'] as const;

const TokenAnswer = v.object({
  access_token: v.pipe(v.string(), v.nonEmpty()),
  expires_in: v.pipe(v.number(), v.minValue(1)),
});

const GraphQlAnswer = v.object({
  data: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  errors: v.optional(
    v.array(
      v.object({
        message: v.optional(v.string()),
        extensions: v.optional(v.object({ code: v.optional(v.string()) })),
      }),
    ),
  ),
});

const LocationAnswer = v.object({
  location: v.nullable(
    v.object({
      id: v.string(),
      integration: v.nullable(v.object({ id: v.string(), state: v.picklist(INTEGRATION_STATES) })),
    }),
  ),
});

export const WebhookSchema = v.object({
  id: v.string(),
  type: v.string(),
  health: v.string(),
  endPoint: v.string(),
});
export type Webhook = v.InferOutput<typeof WebhookSchema>;

/** What HappyColis says is at a location: its integration, or none; `undefined` if no such location. */
export interface ObservedLocation {
  readonly id: string;
  readonly integration: {
    readonly id: string;
    readonly state: (typeof INTEGRATION_STATES)[number];
  } | null;
}

export interface HappyColisApiOptions {
  readonly apiUrl: string;
  readonly credentials: HappyColisCredentials;
  /** Requests per second, at most, across every call of this client. */
  readonly rate: number;
  readonly fetchImpl?: typeof fetch;
  /** Milliseconds since the epoch, for token expiry. @default Date.now */
  readonly now?: () => number;
  /** Waits between retries of a failed request. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 4 */
  readonly maxAttempts?: number;
  /** @default 10 s */
  readonly timeoutMs?: number;
  /** A token is renewed this long before it expires. @default 60 s */
  readonly tokenMarginMs?: number;
}

/** What the client did: for reports and the sweep's figures. */
export interface ApiStats {
  requests: number;
  tokenRequests: number;
  throttled: number;
  retries: number;
}

/** `Retry-After` in milliseconds: seconds, or an HTTP date; 1 s when absent or unreadable. */
export const retryAfterMs = (header: string | null, now: number): number => {
  if (header === null) return 1000;
  if (/^\s*\d+(\.\d+)?\s*$/.test(header)) return Math.ceil(Number(header) * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
};

export class HappyColisApi {
  readonly stats: ApiStats = { requests: 0, tokenRequests: 0, throttled: 0, retries: 0 };
  readonly #options: HappyColisApiOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #tokens = new Map<string, { token: string; renewAt: number }>();
  readonly #pendingTokens = new Map<string, Promise<string>>();
  /** When the last request started, and until when a `Retry-After` holds every request. */
  #lastStart = 0;
  #holdUntil = 0;

  constructor(options: HappyColisApiOptions) {
    this.#options = options;
    this.#fetch = options.fetchImpl ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The location and its integration, or `undefined` when HappyColis knows no such location. */
  async location(
    organizationId: string,
    locationId: string,
  ): Promise<ObservedLocation | undefined> {
    const data = await this.#graphql(organizationId, LOCATION_QUERY, { id: locationId }, true);
    if (data === undefined) return undefined;
    const parsed = v.safeParse(LocationAnswer, data);
    if (!parsed.success) {
      throw new HappyColisError(
        'INVALID_ANSWER',
        'HappyColis answered location() in an unexpected shape',
      );
    }
    return parsed.output.location ?? undefined;
  }

  async createWebhook(
    organizationId: string,
    input: { endPoint: string; type: string; headers?: Readonly<Record<string, string>> },
  ): Promise<Webhook> {
    const data = await this.#graphql(organizationId, WEBHOOK_CREATE_MUTATION, { input }, false);
    const parsed = v.safeParse(v.object({ integrationWebhookCreate: WebhookSchema }), data);
    if (!parsed.success) {
      throw new HappyColisError(
        'INVALID_ANSWER',
        'HappyColis answered integrationWebhookCreate in an unexpected shape',
      );
    }
    return parsed.output.integrationWebhookCreate;
  }

  /** Removes a subscription; `missing` when HappyColis no longer has it. */
  async removeWebhook(organizationId: string, id: string): Promise<'removed' | 'missing'> {
    const data = await this.#graphql(organizationId, WEBHOOK_REMOVE_MUTATION, { id }, true);
    return data === undefined ? 'missing' : 'removed';
  }

  /**
   * Waits until this request may start: at least `1 / rate` seconds after the previous one
   * started, and not before a `Retry-After` has passed. Decided when the caller wakes, not
   * reserved ahead, so callers that wake late together (a stalled event loop) still go one by
   * one. Real time: the injectable clock only ages tokens.
   */
  async #pace(): Promise<void> {
    const interval = 1000 / this.#options.rate;
    for (;;) {
      const now = Date.now();
      const wait = Math.max(this.#holdUntil - now, this.#lastStart + interval - now);
      if (wait <= 0) {
        this.#lastStart = now;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  #holdAll(ms: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, Date.now() + ms);
  }

  /** Never lets a credential through into a message. */
  #scrub(text: string): string {
    let clean = text;
    const secrets = [
      this.#options.credentials.clientSecret,
      ...[...this.#tokens.values()].map((entry) => entry.token),
    ];
    for (const secret of secrets) {
      if (secret) clean = clean.split(secret).join('[redacted]');
    }
    return clean.slice(0, 300);
  }

  async #token(organizationId: string): Promise<string> {
    const cached = this.#tokens.get(organizationId);
    if (cached && cached.renewAt > this.#now()) return cached.token;
    const pending = this.#pendingTokens.get(organizationId) ?? this.#requestToken(organizationId);
    this.#pendingTokens.set(organizationId, pending);
    try {
      return await pending;
    } finally {
      this.#pendingTokens.delete(organizationId);
    }
  }

  async #requestToken(organizationId: string): Promise<string> {
    const { clientId, clientSecret } = this.#options.credentials;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      organization_id: organizationId,
      scopes: HAPPYCOLIS_SCOPES.join(' '),
    });
    const response = await this.#send(
      '/token',
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
      form.toString(),
    );
    this.stats.tokenRequests++;
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      // The body is left out: it could echo what was sent.
      throw new HappyColisError(
        'UNAUTHORIZED',
        `HappyColis refused the client credentials for organization ${organizationId} (HTTP ${response.status}): check HAPPYCOLIS_CLIENT_ID, HAPPYCOLIS_CLIENT_SECRET and that the application is installed for this organization`,
      );
    }
    if (response.status !== 200) {
      throw new HappyColisError(
        response.status >= 500 ? 'SERVER' : 'BAD_REQUEST',
        `HappyColis token endpoint answered HTTP ${response.status}`,
      );
    }
    const parsed = v.safeParse(TokenAnswer, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new HappyColisError(
        'INVALID_ANSWER',
        'HappyColis token endpoint answered in an unexpected shape',
      );
    }
    const margin = Math.min(this.#options.tokenMarginMs ?? 60_000, parsed.output.expires_in * 500);
    this.#tokens.set(organizationId, {
      token: parsed.output.access_token,
      renewAt: this.#now() + parsed.output.expires_in * 1000 - margin,
    });
    return parsed.output.access_token;
  }

  /** One paced HTTP request; network failures and timeouts become `NETWORK` errors. */
  async #send(path: string, headers: Record<string, string>, body: string): Promise<Response> {
    await this.#pace();
    this.stats.requests++;
    try {
      return await this.#fetch(`${this.#options.apiUrl}${path}`, {
        method: 'POST',
        headers: { accept: 'application/json', ...headers },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'error';
      throw new HappyColisError(
        'NETWORK',
        `cannot reach HappyColis at ${this.#options.apiUrl} (${reason})`,
      );
    }
  }

  /**
   * One GraphQL operation. Resolves to its `data`, or `undefined` when `notFoundIsEmpty` and
   * HappyColis answered `NOT_FOUND`.
   */
  async #graphql(
    organizationId: string,
    query: string,
    variables: Record<string, unknown>,
    notFoundIsEmpty: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const maxAttempts = this.#options.maxAttempts ?? 4;
    let renewed = false;
    let last: HappyColisError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) this.stats.retries++;
      const token = await this.#token(organizationId);
      let response: Response;
      try {
        response = await this.#send(
          '/graphql',
          { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          JSON.stringify({ query, variables }),
        );
      } catch (error) {
        if (!(error instanceof HappyColisError)) throw error;
        last = error;
        await this.#sleep(250 * 2 ** attempt);
        continue;
      }
      if (response.status === 429) {
        this.stats.throttled++;
        this.#holdAll(retryAfterMs(response.headers.get('retry-after'), Date.now()));
        last = new HappyColisError('RATE_LIMITED', 'HappyColis kept answering 429 (rate limited)');
        continue;
      }
      if (response.status >= 500) {
        last = new HappyColisError('SERVER', `HappyColis answered HTTP ${response.status}`);
        await this.#sleep(250 * 2 ** attempt);
        continue;
      }
      const answer = v.safeParse(GraphQlAnswer, await response.json().catch(() => undefined));
      const code = answer.success ? answer.output.errors?.[0]?.extensions?.code : undefined;
      if (response.status === 401 || code === 'UNAUTHORIZED') {
        // An expired or revoked token: renew it once, then give up.
        this.#tokens.delete(organizationId);
        last = new HappyColisError(
          'UNAUTHORIZED',
          `HappyColis refused the access token for organization ${organizationId}`,
        );
        if (renewed) throw last;
        renewed = true;
        continue;
      }
      if (!answer.success) {
        throw new HappyColisError(
          'INVALID_ANSWER',
          `HappyColis answered HTTP ${response.status} without a GraphQL body`,
        );
      }
      const errors = answer.output.errors ?? [];
      if (errors.length > 0) {
        if (code === 'NOT_FOUND' && notFoundIsEmpty) return undefined;
        const message = this.#scrub(errors.map((error) => error.message ?? '').join('; '));
        if (code === 'FORBIDDEN') {
          throw new HappyColisError(
            'FORBIDDEN',
            `HappyColis refused: insufficient scope (${message}); the application needs the scopes ${HAPPYCOLIS_SCOPES.join(' and ')}`,
          );
        }
        throw new HappyColisError(
          'GRAPHQL',
          `HappyColis answered ${code ?? 'an error'}: ${message}`,
        );
      }
      if (response.status !== 200) {
        throw new HappyColisError('BAD_REQUEST', `HappyColis answered HTTP ${response.status}`);
      }
      return answer.output.data ?? {};
    }
    throw last ?? new HappyColisError('NETWORK', 'HappyColis could not be called');
  }
}
