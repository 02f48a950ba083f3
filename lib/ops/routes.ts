import { type OpsRouteKey, ROUTES } from '../../functions/definitions/routes.ts';
import { OpsError } from './client.ts';

/** A route the CLI calls: an operator route, or the integration view of the query function. */
export type CliRoute = OpsRouteKey | `GET ${typeof ROUTES.integration}`;

/** The integration view's route key, as `CliRoute` spells it. */
export const INTEGRATION_VIEW_ROUTE: CliRoute = `GET ${ROUTES.integration}`;

/** The method and path of a call to `route`, with `id` put in its `{id}` (encoded). */
export const requestOf = (
  route: CliRoute,
  id: string | undefined,
): { readonly method: 'GET' | 'POST'; readonly path: string } => {
  const [method, template = ''] = route.split(' ') as ['GET' | 'POST', string];
  if (!template.includes('{id}')) return { method, path: template };
  if (id === undefined) throw new OpsError(`${route} needs an id`);
  return { method, path: template.replace('{id}', encodeURIComponent(id)) };
};
