import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from './definitions/service.ts';

/**
 * One logger and one metrics buffer per container. Service name, namespace and level come
 * from the Powertools environment variables (`POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_LOG_LEVEL`). Nothing logged here may contain a
 * webhook body: `accepted` events carry an `accessToken`.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: SERVICE_NAME,
});
