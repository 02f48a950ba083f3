import { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { SqsDeadLetterQueue } from '../adapters/sqs-dead-letter-queue.ts';
import { AlertGroupEnvSchema, groupTimingOf } from '../alerting/settings.ts';
import {
  PolicyEnvSchema,
  parseEnv,
  policyFromEnv,
  QueueEnvSchema,
  TableEnvSchema,
} from '../config.ts';
import { loadHappyColisSettings, reconcileTimingOf } from '../happycolis/settings.ts';
import { logger, metrics } from '../observability.ts';
import { wireHappyColis } from '../reconciler/wiring.ts';
import { wireOps } from './wiring.ts';

/**
 * The operator routes. The stack deploys this code twice: one function behind the GET routes,
 * allowed to read only, and one behind the POST routes (replay, redrive), allowed to write;
 * each answers only the routes API Gateway sends it.
 */
const env = parseEnv(
  v.object({
    ...TableEnvSchema.entries,
    ...QueueEnvSchema.entries,
    DEAD_LETTER_QUEUE_URL: v.pipe(v.string(), v.nonEmpty()),
    DEAD_LETTER_QUEUE_ARN: v.pipe(v.string(), v.nonEmpty()),
    ...AlertGroupEnvSchema.entries,
    ...PolicyEnvSchema.entries,
  }),
  process.env,
  'ops',
);
const sqs = new SQSClient({});
const document = createDocumentClient();

export const handler = wireOps({
  document,
  sqs,
  tableName: env.TABLE_NAME,
  queueUrl: env.QUEUE_URL,
  deadLetters: new SqsDeadLetterQueue({
    client: sqs,
    queueUrl: env.DEAD_LETTER_QUEUE_URL,
    queueArn: env.DEAD_LETTER_QUEUE_ARN,
  }),
  futureSkewMs: policyFromEnv(env).futureSkewMs,
  logger,
  // Only the writer's routes call HappyColis, and only they read the stage secret, on first use.
  happycolis: wireHappyColis({
    document,
    sqs,
    tableName: env.TABLE_NAME,
    queueUrl: env.QUEUE_URL,
    loadSettings: () => loadHappyColisSettings(process.env),
    timing: reconcileTimingOf(process.env),
    groupTiming: groupTimingOf(env),
    logger,
    metrics,
  }),
});
