/**
 * Every HTTP route's path, once: the API Gateway routes and stack outputs, the ingest's
 * dispatch and the local runtime's server all read these.
 */
export const ROUTES = {
  happycolis: '/webhooks/happycolis',
  deliveryErrors: '/webhooks/delivery-errors',
  integration: '/integrations/{id}',
} as const;

/** The path of one integration's view (`GET`), the id inserted as given. */
export const integrationPath = (id: string): string => ROUTES.integration.replace('{id}', id);
