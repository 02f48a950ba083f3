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

/** The operator routes. GET routes read; POST routes change something (separable by IAM). */
export const OPS_ROUTES = {
  listIntegrations: 'GET /integrations',
  listQuarantine: 'GET /quarantine',
  showQuarantine: 'GET /quarantine/{id}',
  replayQuarantine: 'POST /quarantine/{id}/replay',
  listNotices: 'GET /notices',
  showDeadLetters: 'GET /dlq',
  redriveDeadLetters: 'POST /dlq/redrive',
  showReconcile: 'GET /reconcile',
  reconcile: 'POST /reconcile',
  listSubscriptions: 'GET /happycolis/subscriptions',
  subscribe: 'POST /happycolis/subscriptions',
  unsubscribe: 'POST /happycolis/unsubscribe',
} as const;

/** Which operator routes only read. */
export const READ_ROUTES = Object.values(OPS_ROUTES).filter((route) => route.startsWith('GET '));
export const WRITE_ROUTES = Object.values(OPS_ROUTES).filter((route) => route.startsWith('POST '));

/** The key (`METHOD /path`) of an operator route. */
export type OpsRouteKey = (typeof OPS_ROUTES)[keyof typeof OPS_ROUTES];
