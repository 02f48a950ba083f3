import { SNSClient } from '@aws-sdk/client-sns';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../adapters/dynamo-pending-store.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import { parseEnv, TableEnvSchema, TopicEnvSchema } from '../config.ts';
import { DEFAULT_PENDING_TIMEOUT_HOURS } from '../definitions/settings.ts';
import { logger, metrics } from '../observability.ts';
import { createPendingCheck, PendingTimeoutSchema } from './pending-check.ts';

const env = parseEnv(
  v.intersect([TableEnvSchema, TopicEnvSchema, PendingTimeoutSchema]),
  process.env,
  'pending-check',
);

const document = createDocumentClient();

/** Invoked by a schedule (EventBridge); the event carries nothing the check needs. */
export const handler = createPendingCheck({
  integrations: new DynamoIntegrationStore({ client: document, tableName: env.TABLE_NAME }),
  pending: new DynamoPendingStore({ client: document, tableName: env.TABLE_NAME }),
  alerts: new SnsAlertPublisher({ client: new SNSClient({}), topicArn: env.TOPIC_ARN }),
  clock: () => new Date(),
  timeoutHours: env.PENDING_TIMEOUT_HOURS ?? DEFAULT_PENDING_TIMEOUT_HOURS,
  logger,
  metrics,
});
