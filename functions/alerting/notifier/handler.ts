import * as v from 'valibot';
import { createDocumentClient } from '../../adapters/clients.ts';
import { ConfigError, parseEnv, TableEnvSchema } from '../../config.ts';
import {
  CHAT_CHANNEL_NAMES,
  CHAT_CHANNELS,
  secretIdVariableOf,
} from '../../definitions/alert-channels.ts';
import { logger, metrics } from '../../observability.ts';
import { AlertOpsEnvSchema, opsTargetOf } from '../settings.ts';
import { CHANNEL_FACTORIES } from './channels.ts';
import { wireNotifier } from './wiring.ts';

/**
 * One handler for every chat channel: `ALERT_CHANNEL` names it. The webhook URL comes from the
 * stage secret in the cloud (the channel's `secretIdVariable` names it, e.g.
 * `SLACK_WEBHOOK_SECRET_ID`; the URL is its `urlField` field, e.g. `SLACK_WEBHOOK_URL`), or
 * directly from the `urlField` variable (a laptop, a test stack). One of the two is required.
 */
const { ALERT_CHANNEL: name } = parseEnv(
  v.object({ ALERT_CHANNEL: v.picklist(CHAT_CHANNEL_NAMES) }),
  process.env,
  'notifier',
);
const field = CHAT_CHANNELS[name].urlField;
const secretIdVariable = secretIdVariableOf(name);
const env = parseEnv(
  v.intersect([
    TableEnvSchema,
    AlertOpsEnvSchema,
    v.object({
      [secretIdVariable]: v.optional(
        v.pipe(v.string(), v.nonEmpty(`${secretIdVariable} is empty`)),
      ),
      [field]: v.optional(v.pipe(v.string(), v.url(`${field} is not a URL`))),
    }),
  ]),
  process.env,
  `${name} notifier`,
);

const channelFrom = () => {
  const settings = env as Record<string, string | undefined>;
  const secretId = settings[secretIdVariable];
  if (secretId) return CHANNEL_FACTORIES[name].fromSecret(secretId, field);
  const url = settings[field];
  if (url) return CHANNEL_FACTORIES[name].fromUrl(url);
  throw new ConfigError(
    `${name} notifier configuration is invalid: set ${secretIdVariable} (cloud) or ${field}`,
  );
};

export const handler = wireNotifier({
  document: createDocumentClient(),
  tableName: env.TABLE_NAME,
  channel: channelFrom(),
  ops: opsTargetOf(env),
  logger,
  metrics,
});
