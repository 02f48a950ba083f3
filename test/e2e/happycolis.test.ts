import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { SUBSCRIBED_TYPES } from '../../functions/happycolis/subscriptions.ts';
import { ReconcileAnswer } from '../../functions/ops/routes/answers.ts';
import {
  type HappyColisStandIn,
  startHappyColisStandIn,
} from '../../lib/local/happycolis-stand-in.ts';
import { runOps } from '../../lib/ops/cli.ts';
import { lifecycleEvent } from '../support/events.ts';
import { getIntegration, startTestRuntime, type TestRuntime, waitFor } from './support.ts';

/**
 * `happycolis subscribe|subscriptions|unsubscribe` and `reconcile` through the CLI, against the
 * local runtime wired to the HappyColis stand-in. No credential or header value comes back.
 */

const CLIENT_SECRET = 'e2e-client-secret-0b7d';
const HEADER_VALUE = 'header-token-value-9c2e';
const ENDPOINT = 'https://hooks.example.com/webhooks/happycolis';

let standIn: HappyColisStandIn;
let test: TestRuntime;
let bare: TestRuntime;
const printed: string[] = [];

const ops = async (url: string, ...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(['--url', url, ...argv], {
    print: (text) => out.push(text),
    printError: (text) => err.push(text),
    env: {},
  });
  printed.push(...out, ...err);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
};

beforeAll(async () => {
  standIn = await startHappyColisStandIn({
    clientId: 'e2e-client',
    clientSecret: CLIENT_SECRET,
    organizationIds: ['org-e2e'],
  });
  const settings = {
    apiUrl: standIn.url,
    rate: 50,
    credentials: { clientId: 'e2e-client', clientSecret: CLIENT_SECRET },
    organizationIds: ['org-e2e'],
  };
  [test, bare] = await Promise.all([
    startTestRuntime({
      // No grace period: a disagreement alerts on the sweep that finds it.
      happycolis: { settings, timing: { intervalMinutes: 60, graceMinutes: 0 } },
    }),
    startTestRuntime(),
  ]);
});
afterAll(async () => {
  await Promise.all([test?.stop(), bare?.stop(), standIn?.stop()]);
});

describe('happycolis subscribe', () => {
  it('creates the four subscriptions once, with the custom headers, and lists them', async () => {
    const first = await ops(
      test.url,
      'happycolis',
      'subscribe',
      '--endpoint',
      ENDPOINT,
      '--header',
      `X-Webhook-Token=${HEADER_VALUE}`,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('4 subscription(s) created, 0 already there');
    const created = [...standIn.webhooks.values()];
    expect(created.map((webhook) => webhook.type).sort()).toEqual([...SUBSCRIBED_TYPES].sort());
    for (const webhook of created) {
      expect(webhook).toMatchObject({
        endPoint: ENDPOINT,
        organizationId: 'org-e2e',
        headers: { 'X-Webhook-Token': HEADER_VALUE },
      });
    }

    const again = await ops(test.url, 'happycolis', 'subscribe', '--endpoint', ENDPOINT, '--json');
    expect(again.code, again.stderr).toBe(0);
    const body = JSON.parse(again.stdout) as { created: unknown[]; existing: unknown[] };
    expect(body.created).toEqual([]);
    expect(body.existing).toHaveLength(4);
    expect(standIn.webhooks.size).toBe(4);

    const listed = await ops(test.url, 'happycolis', 'subscriptions');
    expect(listed.stdout).toContain('4 subscription(s)');
    expect(listed.stdout).toContain('X-Webhook-Token');
    for (const webhook of created) expect(listed.stdout).toContain(webhook.id);
  });

  it('refuses an endpoint HappyColis would not deliver to', async () => {
    const local = await ops(test.url, 'happycolis', 'subscribe');
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/400 .*HappyColis delivers only to HTTPS endpoints/);
    const header = await ops(
      test.url,
      'happycolis',
      'subscribe',
      '--endpoint',
      ENDPOINT,
      '--header',
      'x-happycolis-webhook-signature=1',
    );
    expect(header.code).toBe(1);
    expect(header.stderr).toMatch(/400 .*header names/);
  });

  it('removes what it created', async () => {
    const removed = await ops(test.url, 'happycolis', 'unsubscribe');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('4 subscription(s) removed');
    expect(standIn.webhooks.size).toBe(0);
    const listed = await ops(test.url, 'happycolis', 'subscriptions', '--json');
    expect(JSON.parse(listed.stdout)).toEqual({ items: [] });
  });

  it('says what to set when no credentials are configured', async () => {
    const result = await ops(bare.url, 'happycolis', 'subscribe', '--endpoint', ENDPOINT);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/503 .*HAPPYCOLIS_CLIENT_ID and HAPPYCOLIS_CLIENT_SECRET/);
    const reconcile = await ops(bare.url, 'reconcile');
    expect(reconcile.stderr).toMatch(/503 .*not configured/);
  });
});

describe('reconcile', () => {
  it('prints every finding, and shows the observation on the integration', async () => {
    const store = new DynamoIntegrationStore({
      client: test.runtime.clients.document,
      tableName: test.runtime.resources.tableName,
    });
    for (const [id, location] of [
      ['e2e-agree', 'loc-1'],
      ['e2e-drift', 'loc-2'],
    ] as const) {
      const base = lifecycleEvent('accepted', { id, messageId: `m-${id}` });
      await store.applyEvent(
        {
          ...base,
          header: { ...base.header, organizationId: 'org-e2e' },
          body: { ...base.body, locationId: location },
        },
        new Date(),
      );
    }
    standIn.locations.set('loc-1', {
      organizationId: 'org-e2e',
      integration: { id: 'e2e-agree', state: 'ACTIVE' },
    });
    standIn.locations.set('loc-2', {
      organizationId: 'org-e2e',
      integration: { id: 'e2e-drift', state: 'ERROR' },
    });

    const json = await ops(test.url, 'reconcile', '--json');
    expect(json.code, json.stderr).toBe(0);
    const report = v.parse(
      v.object({
        findings: ReconcileAnswer.entries.findings,
        sweep: ReconcileAnswer.entries.sweep,
      }),
      JSON.parse(json.stdout),
    );
    expect(
      report.findings.map(({ integrationId, locationId, kind, ourState, theirState }) => ({
        integrationId,
        locationId,
        kind,
        ourState,
        theirState,
      })),
    ).toEqual([
      {
        integrationId: 'e2e-agree',
        locationId: 'loc-1',
        kind: 'agreement',
        ourState: 'ACTIVE',
        theirState: 'ACTIVE',
      },
      {
        integrationId: 'e2e-drift',
        locationId: 'loc-2',
        kind: 'drift',
        ourState: 'ACTIVE',
        theirState: 'ERROR',
      },
    ]);

    const text = await ops(test.url, 'reconcile');
    expect(text.stdout).toMatch(
      /findings: +1 agreement, 1 drift, 0 unknown integration, 0 disconnected/,
    );
    expect(text.stdout).toMatch(/drift +e2e-drift +loc-2 +ACTIVE +ERROR/);

    const view = (await getIntegration(test.url, 'e2e-drift')).json as Record<string, unknown>;
    expect(view.state).toBe('ACTIVE');
    expect(view.reconciliation).toMatchObject({ finding: 'drift', state: 'ERROR' });
    const shown = await ops(test.url, 'integrations', 'show', 'e2e-drift');
    expect(shown.stdout).toMatch(/at HappyColis: +drift: e2e-drift ERROR/);
    const list = await ops(test.url, 'integrations', 'list', '--organization', 'org-e2e');
    expect(list.stdout).toMatch(/e2e-drift .* ERROR +drift/);
  });

  it('alerts the drift once through the ledger, and its resolution when it converges', async () => {
    const drift = await waitFor('the drift alert', async () =>
      test.messages.find((message) => message.kind === 'integration-drift'),
    );
    expect(drift.alert?.integration?.id).toBe('e2e-drift');
    expect(drift.alert?.facts).toContainEqual({ label: 'HappyColis state', value: 'ERROR' });
    // HappyColis's ERROR reaches us: the next sweep finds agreement.
    const store = new DynamoIntegrationStore({
      client: test.runtime.clients.document,
      tableName: test.runtime.resources.tableName,
    });
    const base = lifecycleEvent('errored', { id: 'e2e-drift', messageId: 'm-e2e-drift-errored' });
    await store.applyEvent(
      {
        ...base,
        header: { ...base.header, organizationId: 'org-e2e', date: new Date().toISOString() },
        body: { ...base.body, locationId: 'loc-2' },
      },
      new Date(),
    );
    expect((await ops(test.url, 'reconcile')).code).toBe(0);
    const resolved = await waitFor('the resolved notice', async () =>
      test.messages.find((message) => message.kind === 'integration-drift-resolved'),
    );
    expect(resolved.status).toBe('resolved');
    expect(test.messages.filter((message) => message.kind === 'integration-drift')).toHaveLength(1);
  });

  it('never shows a credential or a header value', async () => {
    const { Items = [] } = await test.runtime.clients.document.send(
      new ScanCommand({ TableName: test.runtime.resources.tableName }),
    );
    const everything = [
      JSON.stringify(Items),
      JSON.stringify(test.messages),
      ...printed,
      ...test.lines,
    ].join('\n');
    expect(test.messages.length).toBeGreaterThan(0);
    expect(standIn.tokensIssued.length).toBeGreaterThan(0);
    for (const secret of [CLIENT_SECRET, HEADER_VALUE, ...standIn.tokensIssued]) {
      expect(everything).not.toContain(secret);
    }
  });
});
