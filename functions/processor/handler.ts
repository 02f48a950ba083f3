import { SNSClient } from '@aws-sdk/client-sns';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { parseEnv, TableEnvSchema, TopicEnvSchema } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import { wireProcessor } from './wiring.ts';

const env = parseEnv(
  v.object({ ...TableEnvSchema.entries, ...TopicEnvSchema.entries }),
  process.env,
  'processor',
);

export const handler = wireProcessor({
  document: createDocumentClient(),
  sns: new SNSClient({}),
  tableName: env.TABLE_NAME,
  topicArn: env.TOPIC_ARN,
  logger,
  metrics,
});
