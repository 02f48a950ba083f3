import { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { AlertGroupEnvSchema, groupTimingOf } from '../alerting/settings.ts';
import { parseEnv, QueueEnvSchema, TableEnvSchema } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import { PendingTimeoutSchema } from './pending-check.ts';
import { wirePendingCheck } from './wiring.ts';

const env = parseEnv(
  v.intersect([TableEnvSchema, QueueEnvSchema, AlertGroupEnvSchema, PendingTimeoutSchema]),
  process.env,
  'pending-check',
);

/** Invoked by a schedule (EventBridge); the event carries nothing the check needs. */
export const handler = wirePendingCheck({
  document: createDocumentClient(),
  sqs: new SQSClient({}),
  tableName: env.TABLE_NAME,
  queueUrl: env.QUEUE_URL,
  groupTiming: groupTimingOf(env),
  timeoutHours: env.PENDING_TIMEOUT_HOURS,
  logger,
  metrics,
});
