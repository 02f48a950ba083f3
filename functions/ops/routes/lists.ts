import * as v from 'valibot';
import { IntegrationFilterSchema } from '../../core/fleet.ts';
import type { FleetQueries } from '../../core/ports.ts';
import type { ReconcileStore } from '../../reconciler/sweep-state.ts';
import { json, pageBody, parseListQuery, type RouteHandler } from './http.ts';

/**
 * `GET /integrations?state=&organizationId=&locationId=&fulfillmentServiceId=&limit=&cursor=`:
 * any combination of filters, most recently changed first; each item with what the reconciler
 * last observed at HappyColis, when it did.
 */
export const listIntegrations =
  ({
    fleet,
    observations,
  }: {
    fleet: FleetQueries;
    observations?: Pick<ReconcileStore, 'getObservations'> | undefined;
  }): RouteHandler =>
  async (event) => {
    const { filter, page, digest } = parseListQuery(event, 'integrations', IntegrationFilterSchema);
    const found = await fleet.listIntegrations(filter, page);
    const observed = observations
      ? await observations.getObservations(found.items.map((item) => item.id))
      : new Map();
    const items = found.items.map((item) => {
      const reconciliation = observed.get(item.id);
      return reconciliation ? { ...item, reconciliation } : item;
    });
    return json(200, pageBody({ ...found, items }, digest));
  };

/** `GET /notices?limit=&cursor=`: delivery-error notices, newest first. */
export const listNotices =
  ({ fleet }: { fleet: FleetQueries }): RouteHandler =>
  async (event) => {
    const { page, digest } = parseListQuery(event, 'notices', v.object({}));
    return json(200, pageBody(await fleet.listNotices(page), digest));
  };
