import { SNSClient } from '@aws-sdk/client-sns';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { parseEnv, TableEnvSchema, TopicEnvSchema } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import { PendingTimeoutSchema } from './pending-check.ts';
import { wirePendingCheck } from './wiring.ts';

const env = parseEnv(
  v.intersect([TableEnvSchema, TopicEnvSchema, PendingTimeoutSchema]),
  process.env,
  'pending-check',
);

/** Invoked by a schedule (EventBridge); the event carries nothing the check needs. */
export const handler = wirePendingCheck({
  document: createDocumentClient(),
  sns: new SNSClient({}),
  tableName: env.TABLE_NAME,
  topicArn: env.TOPIC_ARN,
  timeoutHours: env.PENDING_TIMEOUT_HOURS,
  logger,
  metrics,
});
