/** Powertools service name of every function; logs and metrics carry it. */
export const SERVICE_NAME = 'fulfillment-webhooks';

/**
 * The service name of one deployed stage (`fulfillment-webhooks-prod`). Metrics carry it as
 * their `service` dimension, so two stages in one account never mix their figures.
 */
export const stageServiceName = (stage: string): string => `${SERVICE_NAME}-${stage}`;

/** Powertools metrics namespace of every function; dashboards and alarms read it. */
export const METRICS_NAMESPACE = 'FulfillmentWebhooks';
