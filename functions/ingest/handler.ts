import { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { createCredentialSource, parseEnv, QueueEnvSchema } from '../config.ts';
import { DEFAULT_SECRET_MAX_AGE_SECONDS } from '../definitions/settings.ts';
import { logger } from '../observability.ts';
import { wireIngest } from './wiring.ts';

const env = parseEnv(
  v.object({
    ...QueueEnvSchema.entries,
    /** Longest time credentials are served without re-reading the stage secret. */
    SECRET_MAX_AGE_SECONDS: v.optional(
      v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1)),
      String(DEFAULT_SECRET_MAX_AGE_SECONDS),
    ),
  }),
  process.env,
  'ingest',
);

// Read on first use and re-read at most every SECRET_MAX_AGE_SECONDS: a revoked credential
// stops working within that, a failed read keeps the last good values, and a broken field
// fails only its own route (see createCredentialSource). A cold start never fails on a secret.
const credentials = createCredentialSource({
  env: process.env,
  names: ['HAPPYCOLIS_SECRETS', 'WEBHOOK_TOKENS'],
  maxAgeSeconds: env.SECRET_MAX_AGE_SECONDS,
  onProblem: (message, details) => logger.error(message, details),
});

export const handler = wireIngest({
  sqs: new SQSClient({}),
  queueUrl: env.QUEUE_URL,
  config: async () => {
    const { HAPPYCOLIS_SECRETS, WEBHOOK_TOKENS } = await credentials();
    return { happycolisSecrets: HAPPYCOLIS_SECRETS.values, webhookTokens: WEBHOOK_TOKENS.values };
  },
  logger,
});
