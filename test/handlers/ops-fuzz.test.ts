import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPS_ROUTES } from '../../functions/definitions/routes.ts';
import { createOpsHandler } from '../../functions/ops/ops.ts';
import { lifecycleEvent } from '../support/events.ts';
import { httpEvent } from '../support/http-events.ts';
import { createTwins } from '../twins/index.ts';

/** The routes that call HappyColis: without its credentials, 503 whatever the input. */
const HAPPYCOLIS_ROUTES = new Set<string>([
  OPS_ROUTES.showReconcile,
  OPS_ROUTES.reconcile,
  OPS_ROUTES.listSubscriptions,
  OPS_ROUTES.subscribe,
  OPS_ROUTES.unsubscribe,
]);

/** Any query string, path id or cursor on any operator route gets a well-formed answer. */
describe('operator routes under arbitrary input', () => {
  it('answers 2xx or a 4xx with a message, never a 5xx, for any query and id', async () => {
    const twins = createTwins();
    for (let index = 0; index < 5; index++) {
      await twins.store.applyEvent(
        lifecycleEvent('errored', { id: `i-${index}`, date: `2024-06-10T10:0${index}:00.000Z` }),
        new Date(),
      );
    }
    const handler = createOpsHandler({
      fleet: twins.fleet,
      queue: twins.queue,
      deadLetters: twins.deadLetters,
    });
    const names = [
      'state',
      'organizationId',
      'locationId',
      'fulfillmentServiceId',
      'source',
      'limit',
      'cursor',
      'sample',
      'rate',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ...Object.values(OPS_ROUTES).filter((route) => !HAPPYCOLIS_ROUTES.has(route)),
        ),
        fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string()), fc.string(), {
          maxKeys: 4,
        }),
        fc.string(),
        async (routeKey, query, id) => {
          const [method = 'GET', path = '/'] = routeKey.split(' ');
          const result = await handler({
            ...httpEvent(method, path, { pathParameters: { id } }),
            queryStringParameters: query,
          });
          expect(result.statusCode).toBeGreaterThanOrEqual(200);
          expect(result.statusCode).toBeLessThan(500);
          const body = JSON.parse(String(result.body)) as Record<string, unknown>;
          if ((result.statusCode ?? 500) >= 400) expect(typeof body.message).toBe('string');
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('answers the HappyColis routes 503 naming the settings when no credentials are configured', async () => {
    const twins = createTwins();
    const handler = createOpsHandler({
      fleet: twins.fleet,
      queue: twins.queue,
      deadLetters: twins.deadLetters,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...HAPPYCOLIS_ROUTES),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        fc.string(),
        async (routeKey, query, body) => {
          const [method = 'GET', path = '/'] = routeKey.split(' ');
          const result = await handler({
            ...httpEvent(method, path),
            queryStringParameters: query,
            body,
          });
          expect(result.statusCode).toBe(503);
          expect(String(result.body)).toContain('HAPPYCOLIS_CLIENT_ID');
        },
      ),
      { numRuns: 200 },
    );
  });
});
