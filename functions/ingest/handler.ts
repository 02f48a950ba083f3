import { SQSClient } from '@aws-sdk/client-sqs';
import { loadCredentialLists, parseEnv, QueueEnvSchema } from '../config.ts';
import { logger } from '../observability.ts';
import { wireIngest } from './wiring.ts';

// Read once per container (one fetch of the stage secret for both lists); a missing secret or
// field fails the cold start (fail closed).
const env = parseEnv(QueueEnvSchema, process.env, 'ingest');
const { HAPPYCOLIS_SECRETS: happycolisSecrets, WEBHOOK_TOKENS: webhookTokens } =
  await loadCredentialLists(process.env, ['HAPPYCOLIS_SECRETS', 'WEBHOOK_TOKENS']);

export const handler = wireIngest({
  sqs: new SQSClient({}),
  queueUrl: env.QUEUE_URL,
  config: { happycolisSecrets, webhookTokens },
  logger,
});
