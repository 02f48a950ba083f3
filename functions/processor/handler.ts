import { SNSClient } from '@aws-sdk/client-sns';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import { parseEnv, TableEnvSchema, TopicEnvSchema } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import { createProcessorHandler } from './processor.ts';

const env = parseEnv(
  v.object({ ...TableEnvSchema.entries, ...TopicEnvSchema.entries }),
  process.env,
  'processor',
);

export const handler = createProcessorHandler({
  store: new DynamoIntegrationStore({ client: createDocumentClient(), tableName: env.TABLE_NAME }),
  alerts: new SnsAlertPublisher({ client: new SNSClient({}), topicArn: env.TOPIC_ARN }),
  logger,
  metrics,
});
