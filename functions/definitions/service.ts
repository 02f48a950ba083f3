/** Powertools service name of every function; logs and metrics carry it. */
export const SERVICE_NAME = 'fulfillment-webhooks';

/** Powertools metrics namespace of every function; dashboards and alarms read it. */
export const METRICS_NAMESPACE = 'FulfillmentWebhooks';
