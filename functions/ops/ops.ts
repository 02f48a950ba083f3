import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { DeadLetterQueue, EventQueue, FleetQueries } from '../core/ports.ts';
import { OPS_ROUTES, type OpsRouteKey } from '../definitions/routes.ts';
import type { ReconcileStore } from '../reconciler/sweep-state.ts';
import type { HappyColisWiring } from '../reconciler/wiring.ts';
import { redriveDeadLetters, showDeadLetters } from './routes/dlq.ts';
import {
  listSubscriptions,
  reconcile,
  showReconcile,
  subscribe,
  unsubscribe,
} from './routes/happycolis.ts';
import {
  BadRequestError,
  badRequest,
  internalError,
  json,
  type RouteHandler,
} from './routes/http.ts';
import { listIntegrations, listNotices } from './routes/lists.ts';
import {
  listQuarantine,
  type ReplayValidators,
  replayQuarantine,
  showQuarantine,
} from './routes/quarantine.ts';

export interface OpsDeps {
  readonly fleet: FleetQueries;
  readonly queue: EventQueue;
  readonly deadLetters: DeadLetterQueue;
  readonly clock?: () => Date;
  readonly logger?: Logger;
  /** Switches the replay's schemas (tests); the current code's by default. */
  readonly validators?: ReplayValidators;
  /** What the reconciler observed, shown in the integration list. */
  readonly observations?: Pick<ReconcileStore, 'getObservations'> | undefined;
  /** Reconcile and webhook subscriptions; their routes answer 503 without it. */
  readonly happycolis?: HappyColisWiring | undefined;
  /** How far ahead of now a replayed event may be dated. @default 24 h */
  readonly futureSkewMs?: number;
}

/**
 * One handler for the operator routes, dispatched on API Gateway's `routeKey`. 4xx answers
 * say what to fix; anything unexpected answers a generic 500 and goes to the log.
 */
export const createOpsHandler = (deps: OpsDeps) => {
  const clock = deps.clock ?? (() => new Date());
  // Every operator route has its handler: a route without one does not compile.
  const routes: Readonly<Record<string, RouteHandler>> = {
    [OPS_ROUTES.listIntegrations]: listIntegrations(deps),
    [OPS_ROUTES.listQuarantine]: listQuarantine(deps),
    [OPS_ROUTES.showQuarantine]: showQuarantine(deps),
    [OPS_ROUTES.replayQuarantine]: replayQuarantine({
      ...deps,
      clock,
      ...(deps.validators ? { validators: deps.validators } : {}),
    }),
    [OPS_ROUTES.listNotices]: listNotices(deps),
    [OPS_ROUTES.showDeadLetters]: showDeadLetters({ ...deps, clock }),
    [OPS_ROUTES.redriveDeadLetters]: redriveDeadLetters(deps),
    [OPS_ROUTES.showReconcile]: showReconcile(deps),
    [OPS_ROUTES.reconcile]: reconcile(deps),
    [OPS_ROUTES.listSubscriptions]: listSubscriptions(deps),
    [OPS_ROUTES.subscribe]: subscribe(deps),
    [OPS_ROUTES.unsubscribe]: unsubscribe(deps),
  } satisfies Record<OpsRouteKey, RouteHandler>;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: 'not_found', message: 'Not Found' });
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof BadRequestError) return badRequest(error.message);
      return internalError(deps.logger, 'operator route failed', {
        routeKey: event.routeKey,
        error,
      });
    }
  };
};
