import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';
import { parseJson } from '../../core/json.ts';
import { NOT_CONFIGURED, RECONCILE_ROUTE_BUDGET_MS } from '../../happycolis/settings.ts';
import type { HappyColisWiring } from '../../reconciler/wiring.ts';
import { BadRequestError, json, type RouteHandler } from './http.ts';

/**
 * The operator routes that talk to HappyColis: reconcile on demand, and the webhook
 * subscriptions. They run in the cloud, where the stage secret holds the API credentials, so an
 * operator never needs them on a laptop. No answer ever carries a credential or a header value.
 */

export interface HappyColisRouteDeps {
  readonly happycolis?: HappyColisWiring | undefined;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

const notConfigured = () => json(503, { error: 'not_configured', message: NOT_CONFIGURED });

/** A header HappyColis forwards verbatim: a token name, not one of ours or a hop-by-hop one. */
const HeaderName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9-]{1,64}$/, 'header names are letters, digits and dashes'),
  v.check(
    (name) => !/^(x-happycolis-|content-|host$|connection$|authorization$)/i.test(name),
    'this header is set by HappyColis or HTTP itself',
  ),
);

const SubscribeBody = v.object({
  endpoint: v.pipe(
    v.string(),
    v.url('endpoint must be a URL'),
    v.startsWith(
      'https://',
      'HappyColis delivers only to HTTPS endpoints: pass --endpoint https://…',
    ),
  ),
  headers: v.optional(
    v.pipe(
      v.record(v.string(), v.pipe(v.string(), v.nonEmpty('header values must not be empty'))),
      v.check(
        (headers) => Object.keys(headers).every((name) => v.is(HeaderName, name)),
        'header names are letters, digits and dashes, and not x-happycolis-*, content-*, host, connection or authorization',
      ),
    ),
    {},
  ),
  organizationId: v.optional(v.pipe(v.string(), v.nonEmpty())),
});

const UnsubscribeBody = v.object({ endpoint: v.optional(v.string()) });

const bodyOf = <S extends v.GenericSchema>(event: APIGatewayProxyEventV2, schema: S) => {
  const text = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString(
    'utf8',
  );
  const parsed = parseJson(text.trim() === '' ? '{}' : text);
  if (!parsed.success) throw new BadRequestError('the body must be JSON');
  const body = v.safeParse(schema, parsed.value);
  if (!body.success) {
    const issue = body.issues[0];
    throw new BadRequestError(`${v.getDotPath(issue) ?? 'body'}: ${issue.message}`);
  }
  return body.output as v.InferOutput<S>;
};

/** `POST /reconcile?sweep=`: starts a sweep (or continues `sweep`) for about 20 s. */
export const reconcile =
  ({ happycolis, now = Date.now }: HappyColisRouteDeps): RouteHandler =>
  async (event) => {
    if (!happycolis) return notConfigured();
    const deadline = now() + RECONCILE_ROUTE_BUDGET_MS;
    const sweep = event.queryStringParameters?.sweep;
    const report = await happycolis.reconcile(
      { trigger: 'operator', ...(sweep ? { continueSweep: sweep } : {}) },
      () => deadline - now(),
    );
    switch (report.status) {
      case 'not-configured':
        return notConfigured();
      case 'busy':
        return json(409, {
          error: 'busy',
          message: 'another reconcile run holds the sweep; try again in a minute',
          ...(report.sweep ? { sweep: report.sweep } : {}),
        });
      case 'superseded':
        return json(409, {
          error: 'superseded',
          message: `sweep ${sweep} is no longer the current one (finished, or replaced by a newer one)`,
          ...(report.sweep ? { sweep: report.sweep } : {}),
        });
      default:
        return json(200, report);
    }
  };

/** `GET /reconcile`: the current or last sweep. */
export const showReconcile =
  ({ happycolis }: HappyColisRouteDeps): RouteHandler =>
  async () => {
    if (!happycolis) return notConfigured();
    const sweep = await happycolis.reconcileStore.getSweep();
    return sweep
      ? json(200, { sweep })
      : json(404, { error: 'not_found', message: 'no sweep has run yet' });
  };

/** `GET /happycolis/subscriptions`: the subscriptions this receiver created. */
export const listSubscriptions =
  ({ happycolis }: HappyColisRouteDeps): RouteHandler =>
  async () => {
    if (!happycolis) return notConfigured();
    return json(200, { items: await happycolis.subscriptionStore.list() });
  };

/** `POST /happycolis/subscriptions`: subscribes `endpoint` to every lifecycle event, once. */
export const subscribe =
  ({ happycolis }: HappyColisRouteDeps): RouteHandler =>
  async (event) => {
    if (!happycolis) return notConfigured();
    const body = bodyOf(event, SubscribeBody);
    const subscriptions = await happycolis.subscriptions();
    if (!subscriptions) return notConfigured();
    const organizationId = body.organizationId ?? (await happycolis.organizationIds())[0];
    if (!organizationId) {
      throw new BadRequestError(
        'which organization? set HAPPYCOLIS_ORGANIZATION_IDS, or pass --organization',
      );
    }
    const result = await subscriptions.subscribe({
      endpoint: body.endpoint,
      organizationId,
      headers: body.headers,
    });
    return json(result.failed.length > 0 ? 502 : result.created.length > 0 ? 201 : 200, result);
  };

/** `POST /happycolis/unsubscribe`: removes the recorded subscriptions (to `endpoint` only). */
export const unsubscribe =
  ({ happycolis }: HappyColisRouteDeps): RouteHandler =>
  async (event) => {
    if (!happycolis) return notConfigured();
    const body = bodyOf(event, UnsubscribeBody);
    const subscriptions = await happycolis.subscriptions();
    if (!subscriptions) return notConfigured();
    const result = await subscriptions.unsubscribe(
      body.endpoint === undefined ? {} : { endpoint: body.endpoint },
    );
    return json(result.failed.length > 0 ? 502 : 200, result);
  };
