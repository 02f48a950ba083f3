import { Logger } from '@aws-lambda-powertools/logger';
import { CHAT_CHANNELS, type ChatChannel } from '../../functions/definitions/alert-channels.ts';
import { integrationPath, ROUTES } from '../../functions/definitions/routes.ts';
import { SERVICE_NAME } from '../../functions/definitions/service.ts';
import {
  type HappyColisSettings,
  loadHappyColisSettings,
  reconcileTimingOf,
} from '../../functions/happycolis/settings.ts';
import { type LocalConfig, LocalConfigError, loadLocalConfig } from './config.ts';
import { assertSupportedNode, UnsupportedNodeError } from './node-version.ts';
import { LOCAL_PENDING_CHECK_INTERVAL_MS, pendingTimeoutHours } from './pending-check.ts';
import { LOCAL_RECONCILE_TICK_MS } from './reconciler.ts';
import { type LocalRuntime, startLocalRuntime } from './runtime.ts';

/** `npm start`: the whole pipeline on this machine, configured from the environment. */

const SAMPLE_INTEGRATION_ID = 'r9s0t1u2-v3w4-5678-xyza-901234567890';

const banner = (config: LocalConfig, runtime: LocalRuntime): string => {
  const { url } = runtime;
  const posted = (Object.keys(config.chatWebhooks) as ChatChannel[]).map(
    (name) => CHAT_CHANNELS[name].urlField,
  );
  const storage = config.endpoint
    ? `everything at ${config.endpoint}`
    : `${config.dataDir} (DynamoDB in dynalite, queues and topic in fauxqs; both kept across restarts)`;
  return [
    `Local webhook receiver listening on ${url}`,
    `  POST ${url}${ROUTES.happycolis}       HappyColis webhooks (HMAC-signed)`,
    `  POST ${url}${ROUTES.deliveryErrors}  delivery-error notices (Bearer token)`,
    `  GET  ${url}${ROUTES.integration}         integration state and history`,
    `  GET  ${url}/health`,
    `  operator routes (/integrations, /quarantine, /notices, /dlq, /reconcile, /happycolis): npm run ops -- --help`,
    `  storage: ${storage}`,
    `  alerts are printed below${posted.length > 0 ? ` and posted to ${posted.join(', ')}` : ''}, grouped: ` +
      `a group's first message ${config.groupTiming.windowMs / 1000} s after its first incident, ` +
      `follow-ups ${config.groupTiming.intervalMs / 1000} s apart (ALERT_GROUP_WINDOW_SECONDS, ALERT_GROUP_INTERVAL_SECONDS)`,
    '',
    'Try:',
    '  npm run send -- created          # then accepted, rejected, errored',
    `  curl -s ${url}${integrationPath(SAMPLE_INTEGRATION_ID)}`,
    '  npm run send -- delivery-error',
    'Ctrl-C stops (batches being processed finish first).',
  ].join('\n');
};

const main = async (): Promise<void> => {
  let config: LocalConfig;
  try {
    assertSupportedNode();
    config = loadLocalConfig(process.env);
  } catch (error) {
    if (error instanceof LocalConfigError || error instanceof UnsupportedNodeError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  for (const warning of config.warnings) console.log(`WARNING: ${warning}`);
  let happycolis: HappyColisSettings;
  let timing: ReturnType<typeof reconcileTimingOf>;
  try {
    happycolis = await loadHappyColisSettings(process.env);
    timing = reconcileTimingOf(process.env);
  } catch (error) {
    console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  if (!happycolis.credentials) {
    console.log(
      'HAPPYCOLIS_CLIENT_ID is not set: nothing calls the HappyColis API (no reconcile, no `happycolis subscribe`); docs/happycolis.md explains the settings and the local stand-in.',
    );
  }

  const runtime = await startLocalRuntime({
    port: config.port,
    dataDir: config.dataDir,
    happycolisSecrets: config.happycolisSecrets,
    webhookTokens: config.webhookTokens,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    chatWebhooks: config.chatWebhooks,
    groupTiming: config.groupTiming,
    happycolis: { settings: happycolis, timing, reconcileTickMs: LOCAL_RECONCILE_TICK_MS },
    pendingCheck: {
      intervalMs: LOCAL_PENDING_CHECK_INTERVAL_MS,
      timeoutHours: pendingTimeoutHours(process.env),
    },
    handlerLogger: new Logger({
      serviceName: `${SERVICE_NAME}-local`,
      logLevel: config.handlerLogLevel,
    }),
  });
  console.log(banner(config, runtime));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(
      `${signal}: stopping (batches being processed finish; what is queued waits on disk)…`,
    );
    runtime.stop().then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
};

main().catch((error: unknown) => {
  console.error(
    `Cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
