import { createDocumentClient } from '../adapters/clients.ts';
import { DynamoIntegrationStore } from '../adapters/dynamo-integration-store.ts';
import { parseEnv, TableEnvSchema } from '../config.ts';
import { logger } from '../observability.ts';
import { createQueryHandler } from './query.ts';

const env = parseEnv(TableEnvSchema, process.env, 'query');

export const handler = createQueryHandler({
  store: new DynamoIntegrationStore({ client: createDocumentClient(), tableName: env.TABLE_NAME }),
  logger,
});
