import * as v from 'valibot';
import { IntegrationFilterSchema } from '../../core/fleet.ts';
import type { FleetQueries } from '../../core/ports.ts';
import { json, pageBody, parseListQuery, type RouteHandler } from './http.ts';

/**
 * `GET /integrations?state=&organizationId=&locationId=&fulfillmentServiceId=&limit=&cursor=`:
 * any combination of filters, most recently changed first.
 */
export const listIntegrations =
  ({ fleet }: { fleet: FleetQueries }): RouteHandler =>
  async (event) => {
    const { filter, page, digest } = parseListQuery(event, 'integrations', IntegrationFilterSchema);
    return json(200, pageBody(await fleet.listIntegrations(filter, page), digest));
  };

/** `GET /notices?limit=&cursor=`: delivery-error notices, newest first. */
export const listNotices =
  ({ fleet }: { fleet: FleetQueries }): RouteHandler =>
  async (event) => {
    const { page, digest } = parseListQuery(event, 'notices', v.object({}));
    return json(200, pageBody(await fleet.listNotices(page), digest));
  };
