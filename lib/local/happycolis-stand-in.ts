import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { INTEGRATION_STATES, type IntegrationState } from '../../functions/core/events.ts';

/**
 * A stand-in for HappyColis's API, on loopback and a free port, for the tests and for trying
 * the reconciler and `happycolis subscribe` on a laptop. It speaks the documented subset:
 * `POST /token` (client credentials, per organization, scopes), `POST /graphql` with
 * `location(id)`, `integrationWebhookCreate` and `integrationWebhookRemove`; answers `429`
 * with `Retry-After` beyond its rate limit, `401` for an unknown or expired token, and
 * `errors[]` with `extensions.code` (`UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`).
 *
 * Control routes (plain HTTP, for a laptop): `PUT /_stand-in/locations/<id>` with
 * `{"organizationId": "…", "integration": {"id": "…", "state": "ACTIVE"} | null}`,
 * `GET /_stand-in/state` (locations, subscriptions, request counts).
 */

export interface StandInLocation {
  readonly organizationId: string;
  readonly integration: { readonly id: string; readonly state: IntegrationState } | null;
}

export interface StandInWebhook {
  readonly id: string;
  readonly organizationId: string;
  readonly type: string;
  readonly endPoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly health: 'HEALTHY' | 'BLOCKED';
}

/** A fault the next GraphQL request(s) get instead of an answer. */
export type StandInFault =
  | { readonly status: 429; readonly retryAfterSeconds: number }
  | { readonly status: 401 | 500 | 502 | 503 }
  | { readonly errorCode: 'UNAUTHORIZED' | 'FORBIDDEN' | 'INTERNAL_SERVER_ERROR' };

export interface StandInOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Organizations the application is installed for. @default any */
  readonly organizationIds?: readonly string[];
  /** Scopes granted to the application. @default view_locations, edit_integrations */
  readonly scopes?: readonly string[];
  /** @default 3600 */
  readonly tokenTtlSeconds?: number;
  /** GraphQL requests per token per second before `429` (HappyColis: bursts of 100/s). @default 100 */
  readonly burstPerSecond?: number;
  /** Added to every answer. @default 0 */
  readonly latencyMs?: number;
}

export interface StandInRequest {
  readonly at: number;
  readonly path: string;
  readonly operation?: string;
  readonly organizationId?: string;
  readonly status: number;
}

export interface HappyColisStandIn {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly locations: Map<string, StandInLocation>;
  readonly webhooks: Map<string, StandInWebhook>;
  readonly requests: StandInRequest[];
  /** Every access token issued: a test checks none leaks. */
  readonly tokensIssued: string[];
  /** The next `count` GraphQL requests get `fault`. */
  failNext(count: number, fault: StandInFault): void;
  /** Makes every token issued so far expire now. */
  expireTokens(): void;
  /** Most GraphQL requests answered in any one-second window. */
  peakRate(): number;
  stop(): Promise<void>;
}

const LocationBody = v.object({
  organizationId: v.pipe(v.string(), v.nonEmpty()),
  integration: v.nullable(v.object({ id: v.string(), state: v.picklist(INTEGRATION_STATES) })),
});

const GraphQlBody = v.object({
  query: v.string(),
  variables: v.optional(v.record(v.string(), v.unknown())),
});

const WebhookInput = v.object({
  endPoint: v.string(),
  type: v.string(),
  headers: v.optional(v.record(v.string(), v.string())),
});

const read = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const send = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const gqlError = (code: string, message: string) => ({
  data: null,
  errors: [{ message, extensions: { code } }],
});

export const startHappyColisStandIn = async (
  options: StandInOptions,
): Promise<HappyColisStandIn> => {
  const scopes = options.scopes ?? ['view_locations', 'edit_integrations'];
  const ttlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
  const burst = options.burstPerSecond ?? 100;
  const tokens = new Map<string, { organizationId: string; scopes: string[]; expiresAt: number }>();
  const locations = new Map<string, StandInLocation>();
  const webhooks = new Map<string, StandInWebhook>();
  const requests: StandInRequest[] = [];
  const tokensIssued: string[] = [];
  const faults: StandInFault[] = [];
  const recent = new Map<string, number[]>();

  const token = async (request: IncomingMessage, response: ServerResponse, at: number) => {
    const form = new URLSearchParams(await read(request));
    const organizationId = form.get('organization_id') ?? '';
    const log = (status: number) => requests.push({ at, path: '/token', organizationId, status });
    if (
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_id') !== options.clientId ||
      form.get('client_secret') !== options.clientSecret
    ) {
      log(401);
      return send(response, 401, { error: 'invalid_client' });
    }
    if (
      !organizationId ||
      (options.organizationIds && !options.organizationIds.includes(organizationId))
    ) {
      log(400);
      return send(response, 400, { error: 'invalid_request', error_description: 'organization' });
    }
    const asked = (form.get('scopes') ?? '').split(/[ ,]+/).filter(Boolean);
    const granted =
      asked.length > 0 ? asked.filter((scope) => scopes.includes(scope)) : [...scopes];
    const accessToken = `eyJ.${randomBytes(24).toString('base64url')}`;
    tokens.set(accessToken, { organizationId, scopes: granted, expiresAt: Date.now() + ttlMs });
    tokensIssued.push(accessToken);
    log(200);
    send(response, 200, {
      access_token: accessToken,
      token_type: 'bearer',
      refresh_token: randomBytes(16).toString('base64url'),
      expires_in: ttlMs / 1000,
      scope: granted.join(' '),
    });
  };

  const graphql = async (request: IncomingMessage, response: ServerResponse, at: number) => {
    const text = await read(request);
    const parsed = v.safeParse(GraphQlBody, JSON.parse(text || 'null'));
    const operation = parsed.success
      ? (/(location|integrationWebhookCreate|integrationWebhookRemove)\s*\(/.exec(
          parsed.output.query.replace(/^[^{]*\{/, ''),
        )?.[1] ?? 'unknown')
      : 'unreadable';
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const session = tokens.get(bearer);
    const log = (status: number) =>
      requests.push({
        at,
        path: '/graphql',
        operation,
        ...(session ? { organizationId: session.organizationId } : {}),
        status,
      });
    const fault = faults.shift();
    if (fault) {
      if ('errorCode' in fault) {
        log(200);
        return send(response, 200, gqlError(fault.errorCode, `injected ${fault.errorCode}`));
      }
      log(fault.status);
      return fault.status === 429
        ? send(
            response,
            429,
            { message: 'Too Many Requests' },
            { 'retry-after': String(fault.retryAfterSeconds) },
          )
        : send(response, fault.status, { message: 'injected failure' });
    }
    if (!session || session.expiresAt <= Date.now()) {
      log(401);
      return send(response, 401, { message: 'Unauthorized' });
    }
    const now = Date.now();
    const window = (recent.get(bearer) ?? []).filter((at) => at > now - 1000);
    if (window.length >= burst) {
      log(429);
      recent.set(bearer, window);
      return send(response, 429, { message: 'Too Many Requests' }, { 'retry-after': '1' });
    }
    window.push(now);
    recent.set(bearer, window);
    if (!parsed.success) {
      log(400);
      return send(response, 400, { message: 'body must be {query, variables}' });
    }
    const variables = parsed.output.variables ?? {};
    const needs = (scope: string) => {
      if (session.scopes.includes(scope)) return true;
      log(200);
      send(response, 200, gqlError('FORBIDDEN', `missing scope ${scope}`));
      return false;
    };
    if (operation === 'location') {
      if (!needs('view_locations')) return;
      const id = typeof variables.id === 'string' ? variables.id : '';
      const location = locations.get(id);
      if (!location || location.organizationId !== session.organizationId) {
        log(200);
        return send(response, 200, gqlError('NOT_FOUND', `location ${id} not found`));
      }
      log(200);
      return send(response, 200, {
        data: {
          location: {
            id,
            name: `Location ${id}`,
            locationType: 'WAREHOUSE',
            integration: location.integration
              ? {
                  ...location.integration,
                  fulfillmentService: { id: 'fs-stand-in', name: 'Stand-in service' },
                }
              : null,
          },
        },
      });
    }
    if (operation === 'integrationWebhookCreate') {
      if (!needs('edit_integrations')) return;
      const input = v.safeParse(WebhookInput, variables.input);
      if (!input.success || !input.output.endPoint.startsWith('https://')) {
        log(200);
        return send(response, 200, gqlError('BAD_USER_INPUT', 'endPoint must be an HTTPS URL'));
      }
      const webhook: StandInWebhook = {
        id: randomUUID(),
        organizationId: session.organizationId,
        type: input.output.type,
        endPoint: input.output.endPoint,
        headers: input.output.headers ?? {},
        health: 'HEALTHY',
      };
      webhooks.set(webhook.id, webhook);
      log(200);
      const { id, type, health, endPoint } = webhook;
      return send(response, 200, {
        data: { integrationWebhookCreate: { id, type, health, endPoint } },
      });
    }
    if (operation === 'integrationWebhookRemove') {
      if (!needs('edit_integrations')) return;
      const id = typeof variables.id === 'string' ? variables.id : '';
      const webhook = webhooks.get(id);
      if (!webhook || webhook.organizationId !== session.organizationId) {
        log(200);
        return send(response, 200, gqlError('NOT_FOUND', `webhook ${id} not found`));
      }
      webhooks.delete(id);
      log(200);
      return send(response, 200, { data: { integrationWebhookRemove: true } });
    }
    log(400);
    send(response, 400, { message: `operation not supported by the stand-in: ${operation}` });
  };

  const control = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    const id = /^\/_stand-in\/locations\/(.+)$/.exec(path)?.[1];
    if (request.method === 'PUT' && id) {
      const body = v.safeParse(LocationBody, JSON.parse((await read(request)) || 'null'));
      if (!body.success) return send(response, 400, { message: body.issues[0].message });
      locations.set(decodeURIComponent(id), body.output);
      return send(response, 200, { id: decodeURIComponent(id), ...body.output });
    }
    if (request.method === 'GET' && path === '/_stand-in/state') {
      return send(response, 200, {
        locations: Object.fromEntries(locations),
        webhooks: [...webhooks.values()],
        requests: requests.length,
        peakRate: peakRate(),
      });
    }
    send(response, 404, { message: 'not found' });
  };

  const peakRate = (): number => {
    const times = requests.filter((entry) => entry.path === '/graphql').map((entry) => entry.at);
    let peak = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] ?? 0) - (times[start] ?? 0) >= 1000) start++;
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  };

  const server = createServer((request, response) => {
    // When the request arrived, before anything else runs: what the rate is measured on.
    const at = Date.now();
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    const handle = async () => {
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      if (path.startsWith('/_stand-in/')) return control(request, response, path);
      if (request.method === 'POST' && path === '/token') return token(request, response, at);
      if (request.method === 'POST' && path === '/graphql') return graphql(request, response, at);
      send(response, 404, { message: 'not found' });
    };
    handle().catch(() => send(response, 400, { message: 'unreadable request' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    locations,
    webhooks,
    requests,
    tokensIssued,
    failNext: (count, fault) => {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    expireTokens: () => {
      for (const session of tokens.values()) session.expiresAt = 0;
    },
    peakRate,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
