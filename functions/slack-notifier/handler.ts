import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { ConfigError, parseEnv, TableEnvSchema } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import {
  createIncomingWebhook,
  type SlackWebhook,
  secretIncomingWebhook,
} from './incoming-webhook.ts';
import { wireSlackNotifier } from './wiring.ts';

/**
 * The webhook URL comes from the stage secret in the cloud (`SLACK_WEBHOOK_SECRET_ID` names it;
 * the URL is its `SLACK_WEBHOOK_URL` field), or directly from `SLACK_WEBHOOK_URL` (a laptop, a
 * test stack). One of the two is required.
 */
const SlackEnvSchema = v.object({
  SLACK_WEBHOOK_SECRET_ID: v.optional(
    v.pipe(v.string(), v.nonEmpty('SLACK_WEBHOOK_SECRET_ID is empty')),
  ),
  SLACK_WEBHOOK_URL: v.optional(v.pipe(v.string(), v.url('SLACK_WEBHOOK_URL is not a URL'))),
});

const env = parseEnv(v.intersect([TableEnvSchema, SlackEnvSchema]), process.env, 'slack-notifier');

const webhookFrom = (settings: v.InferOutput<typeof SlackEnvSchema>): SlackWebhook => {
  if (settings.SLACK_WEBHOOK_SECRET_ID)
    return secretIncomingWebhook(settings.SLACK_WEBHOOK_SECRET_ID);
  if (settings.SLACK_WEBHOOK_URL) return createIncomingWebhook(settings.SLACK_WEBHOOK_URL);
  throw new ConfigError(
    'slack-notifier configuration is invalid: set SLACK_WEBHOOK_SECRET_ID (cloud) or SLACK_WEBHOOK_URL',
  );
};

export const handler = wireSlackNotifier({
  document: createDocumentClient(),
  tableName: env.TABLE_NAME,
  webhook: webhookFrom(env),
  logger,
  metrics,
});
