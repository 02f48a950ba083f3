import { createDocumentClient } from '../adapters/clients.ts';
import { parseEnv, TableEnvSchema } from '../config.ts';
import { logger } from '../observability.ts';
import { wireQuery } from './wiring.ts';

const env = parseEnv(TableEnvSchema, process.env, 'query');

export const handler = wireQuery({
  document: createDocumentClient(),
  tableName: env.TABLE_NAME,
  logger,
});
