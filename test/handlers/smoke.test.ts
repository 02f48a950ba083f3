import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../functions/config.ts';

/**
 * Each Lambda entry point, imported as Lambda imports it: module scope runs with the
 * environment the stack sets (dummy values here; nothing is called at import), and a missing
 * setting fails the cold start with a message naming it.
 */

const BASE = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

const ENTRY_POINTS = {
  ingest: {
    load: () => import('../../functions/ingest/handler.ts'),
    env: {
      QUEUE_URL: 'http://127.0.0.1:9/000000000000/integration-events',
      HAPPYCOLIS_SECRETS: 'secret-1,secret-2',
      WEBHOOK_TOKENS: 'token-1',
    },
  },
  processor: {
    load: () => import('../../functions/processor/handler.ts'),
    env: {
      TABLE_NAME: 'integrations',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
      QUEUE_URL: 'http://127.0.0.1:9/000000000000/integration-events',
      ALERT_GROUP_WINDOW_SECONDS: '30',
      ALERT_GROUP_INTERVAL_SECONDS: '300',
    },
  },
  query: {
    load: () => import('../../functions/query/handler.ts'),
    env: { TABLE_NAME: 'integrations' },
  },
  'pending-check': {
    load: () => import('../../functions/pending-check/handler.ts'),
    env: {
      TABLE_NAME: 'integrations',
      QUEUE_URL: 'http://127.0.0.1:9/000000000000/integration-events',
      PENDING_TIMEOUT_HOURS: '24',
    },
  },
  reconciler: {
    load: () => import('../../functions/reconciler/handler.ts'),
    env: {
      TABLE_NAME: 'integrations',
      QUEUE_URL: 'http://127.0.0.1:9/000000000000/integration-events',
      RECONCILE_INTERVAL_MINUTES: '60',
      RECONCILE_GRACE_MINUTES: '15',
    },
  },
  notifier: {
    load: () => import('../../functions/alerting/notifier/handler.ts'),
    env: {
      TABLE_NAME: 'integrations',
      ALERT_CHANNEL: 'slack',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.test/services/T000/B000/XXXX',
    },
  },
} as const;

const ALL_NAMES = [
  ...new Set(Object.values(ENTRY_POINTS).flatMap(({ env }) => Object.keys(env))),
  'HAPPYCOLIS_SECRETS_SECRET_ID',
  'WEBHOOK_TOKENS_SECRET_ID',
  'SLACK_WEBHOOK_SECRET_ID',
];

const setEnv = (env: Record<string, string>) => {
  // Only what this entry point gets: nothing leaks in from the shell or another case.
  for (const name of ALL_NAMES) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries({ ...BASE, ...env })) vi.stubEnv(name, value);
};

beforeEach(() => {
  vi.resetModules();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe.each(Object.entries(ENTRY_POINTS))('functions/%s/handler.ts', (_name, entry) => {
  it('exports a handler function when its environment is set', async () => {
    setEnv(entry.env);
    const module = await entry.load();
    expect(typeof module.handler).toBe('function');
  });
});

describe('a missing setting fails the import with a message naming it', () => {
  it.each([
    ['processor', 'TABLE_NAME'],
    ['processor', 'TOPIC_ARN'],
    ['processor', 'QUEUE_URL'],
    ['query', 'TABLE_NAME'],
    ['pending-check', 'QUEUE_URL'],
    ['notifier', 'TABLE_NAME'],
    ['notifier', 'ALERT_CHANNEL'],
    ['ingest', 'QUEUE_URL'],
    ['reconciler', 'TABLE_NAME'],
  ] as const)('%s without %s', async (name, missing) => {
    const { [missing]: _dropped, ...env } = ENTRY_POINTS[name].env as Record<string, string>;
    setEnv(env);
    const loading = ENTRY_POINTS[name].load();
    // A fresh module graph per import: the error is the re-imported class, so match by name.
    await expect(loading).rejects.toMatchObject({ name: ConfigError.name });
    await expect(loading).rejects.toThrow(`${missing} is not set`);
  });

  it('refuses a malformed PENDING_TIMEOUT_HOURS', async () => {
    setEnv({ ...ENTRY_POINTS['pending-check'].env, PENDING_TIMEOUT_HOURS: 'a day' });
    await expect(ENTRY_POINTS['pending-check'].load()).rejects.toThrow(
      'PENDING_TIMEOUT_HOURS must be a number of hours',
    );
  });

  it('refuses a malformed alert group window', async () => {
    setEnv({ ...ENTRY_POINTS.processor.env, ALERT_GROUP_WINDOW_SECONDS: 'half a minute' });
    await expect(ENTRY_POINTS.processor.load()).rejects.toThrow(
      'ALERT_GROUP_WINDOW_SECONDS must be a whole number of seconds',
    );
  });

  it('refuses a malformed reconcile grace period', async () => {
    setEnv({ ...ENTRY_POINTS.reconciler.env, RECONCILE_GRACE_MINUTES: 'soon' });
    await expect(ENTRY_POINTS.reconciler.load()).rejects.toThrow(
      'RECONCILE_GRACE_MINUTES must be a number',
    );
  });

  it('notifier without a webhook URL or secret', async () => {
    setEnv({ TABLE_NAME: 'integrations', ALERT_CHANNEL: 'slack' });
    await expect(ENTRY_POINTS.notifier.load()).rejects.toThrow(
      /SLACK_WEBHOOK_SECRET_ID \(cloud\) or SLACK_WEBHOOK_URL/,
    );
  });

  it('ingest without a client secret', async () => {
    const { HAPPYCOLIS_SECRETS: _dropped, ...env } = ENTRY_POINTS.ingest.env;
    setEnv(env);
    const loading = ENTRY_POINTS.ingest.load();
    await expect(loading).rejects.toMatchObject({ name: 'MissingSecretError' });
    await expect(loading).rejects.toThrow(/set HAPPYCOLIS_SECRETS or HAPPYCOLIS_SECRETS_SECRET_ID/);
  });
});
