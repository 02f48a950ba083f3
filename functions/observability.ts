import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from './definitions/service.ts';

/**
 * One logger and one metrics buffer per container. Service name, namespace and level come
 * from the Powertools environment variables (`POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_LOG_LEVEL`). Nothing logged here may contain a
 * webhook body: `accepted` events carry an `accessToken`.
 */
// Constructor options would override the environment, and with it the stage's own service
// name: the defaults apply only where the environment says nothing (a test, a script).
const serviceName = process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME;
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE;

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({ namespace, serviceName });
