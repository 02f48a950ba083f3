import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import {
  AlertGroupEnvSchema,
  AlertOpsEnvSchema,
  groupTimingOf,
  opsTargetOf,
} from '../alerting/settings.ts';
import { parseEnv, QueueEnvSchema, TableEnvSchema, TopicEnvSchema } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import { wireProcessor } from './wiring.ts';

const env = parseEnv(
  v.object({
    ...TableEnvSchema.entries,
    ...TopicEnvSchema.entries,
    ...QueueEnvSchema.entries,
    ...AlertGroupEnvSchema.entries,
    ...AlertOpsEnvSchema.entries,
  }),
  process.env,
  'processor',
);

export const handler = wireProcessor({
  document: createDocumentClient(),
  sns: new SNSClient({}),
  sqs: new SQSClient({}),
  tableName: env.TABLE_NAME,
  topicArn: env.TOPIC_ARN,
  queueUrl: env.QUEUE_URL,
  groupTiming: groupTimingOf(env),
  opsTarget: opsTargetOf(env),
  logger,
  metrics,
});
