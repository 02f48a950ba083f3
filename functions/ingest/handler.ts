import { SQSClient } from '@aws-sdk/client-sqs';
import { loadCredentialList, parseEnv, QueueEnvSchema } from '../config.ts';
import { logger } from '../observability.ts';
import { wireIngest } from './wiring.ts';

// Read once per container; a missing secret fails the cold start (fail closed).
const env = parseEnv(QueueEnvSchema, process.env, 'ingest');
const [happycolisSecrets, webhookTokens] = await Promise.all([
  loadCredentialList(process.env, 'HAPPYCOLIS_SECRETS'),
  loadCredentialList(process.env, 'WEBHOOK_TOKENS'),
]);

export const handler = wireIngest({
  sqs: new SQSClient({}),
  queueUrl: env.QUEUE_URL,
  config: { happycolisSecrets, webhookTokens },
  logger,
});
