import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFleetQueries } from '../../functions/adapters/dynamo-fleet-queries.ts';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { DynamoReconcileStore } from '../../functions/adapters/dynamo-reconcile-store.ts';
import type {
  IntegrationEvent,
  IntegrationState,
  LifecycleStep,
} from '../../functions/core/events.ts';
import { reconcileSweepKey } from '../../functions/definitions/table-keys.ts';
import { HappyColisApi } from '../../functions/happycolis/client.ts';
import {
  createReconciler,
  type DriftIncident,
  type ReconcilerDeps,
} from '../../functions/reconciler/reconcile.ts';
import {
  type HappyColisStandIn,
  startHappyColisStandIn,
} from '../../lib/local/happycolis-stand-in.ts';
import { startTestRuntime, type TestRuntime } from '../e2e/support.ts';
import { lifecycleEvent } from '../support/events.ts';

/**
 * The reconciler over the emulated table and the HappyColis stand-in: each finding, the grace
 * period, resumed sweeps, failures that do not stop a sweep, and no credential in any record.
 */

const SECRET = 'reconcile-client-secret-51c0';
let test: TestRuntime;
let standIn: HappyColisStandIn;
let store: DynamoIntegrationStore;
let now = new Date('2026-03-01T10:00:00.000Z');
const raised: DriftIncident[] = [];
const resolved: DriftIncident[] = [];

const STEP_OF: Record<IntegrationState, LifecycleStep> = {
  PENDING: 'created',
  ACTIVE: 'accepted',
  INACTIVE: 'rejected',
  ERROR: 'errored',
};

/** Stores an integration in `state` at `location` of `organization`, as its events would. */
const integration = async (
  id: string,
  state: IntegrationState,
  location: string,
  organization = 'org-1',
  date = '2026-02-01T00:00:00.000Z',
) => {
  const base = lifecycleEvent(STEP_OF[state], { id, date, messageId: `m-${id}-${state}` });
  const event: IntegrationEvent = {
    ...base,
    header: { ...base.header, organizationId: organization },
    body: { ...base.body, locationId: location },
  };
  await store.applyEvent(event, new Date(date));
};

const reconciler = (overrides: Partial<ReconcilerDeps> = {}) => {
  const { document } = test.runtime.clients;
  const { tableName } = test.runtime.resources;
  return createReconciler({
    fleet: new DynamoFleetQueries({ client: document, tableName }),
    store: new DynamoReconcileStore({ client: document, tableName }),
    api: new HappyColisApi({
      apiUrl: standIn.url,
      credentials: { clientId: 'client-r', clientSecret: SECRET },
      rate: 100,
      sleep: async () => {},
    }),
    alerts: {
      raise: async (incident) => void raised.push(incident),
      resolve: async (incident) => void resolved.push(incident),
    },
    organizationIds: [],
    intervalMinutes: 60,
    graceMinutes: 15,
    rate: 100,
    clock: () => now,
    ...overrides,
  });
};

const ample = () => 600_000;

beforeAll(async () => {
  test = await startTestRuntime();
  standIn = await startHappyColisStandIn({ clientId: 'client-r', clientSecret: SECRET });
  store = new DynamoIntegrationStore({
    client: test.runtime.clients.document,
    tableName: test.runtime.resources.tableName,
  });
  await integration('int-agree', 'ACTIVE', 'loc-a');
  await integration('int-drift', 'ACTIVE', 'loc-b');
  await integration('int-replaced', 'ACTIVE', 'loc-c');
  await integration('int-gone', 'PENDING', 'loc-d');
  await integration('int-over', 'INACTIVE', 'loc-e');
  const at = (
    organizationId: string,
    integration: { id: string; state: IntegrationState } | null,
  ) => ({ organizationId, integration });
  standIn.locations.set('loc-a', at('org-1', { id: 'int-agree', state: 'ACTIVE' }));
  standIn.locations.set('loc-b', at('org-1', { id: 'int-drift', state: 'ERROR' }));
  standIn.locations.set('loc-c', at('org-1', { id: 'int-new', state: 'PENDING' }));
  standIn.locations.set('loc-d', at('org-1', null));
  standIn.locations.set('loc-e', at('org-1', null));
});
afterAll(async () => {
  await standIn?.stop();
  await test?.stop();
});
beforeEach(() => {
  raised.length = 0;
  resolved.length = 0;
});

describe('a reconcile sweep', () => {
  it('finds agreement, drift, an unknown integration and a disconnection, and records them', async () => {
    const report = await reconciler()({ trigger: 'operator' }, ample);
    expect(report.status).toBe('done');
    const kinds = Object.fromEntries(report.findings.map((f) => [f.integrationId, f.kind]));
    expect(kinds).toEqual({
      'int-agree': 'agreement',
      'int-drift': 'drift',
      'int-replaced': 'unknown-integration',
      'int-gone': 'disconnected',
      'int-over': 'agreement',
    });
    expect(report.findings.find((f) => f.integrationId === 'int-drift')).toMatchObject({
      locationId: 'loc-b',
      ourState: 'ACTIVE',
      theirState: 'ERROR',
      theirIntegrationId: 'int-drift',
    });
    expect(report.sweep?.counts).toMatchObject({
      locations: 5,
      checked: 5,
      drift: 1,
      unchecked: 0,
    });
    // Recorded beside the event-derived state, which is untouched.
    const stored = await store.getIntegration('int-drift');
    expect(stored?.registers.accepted?.state).toBe('ACTIVE');
    const observed = await new DynamoReconcileStore({
      client: test.runtime.clients.document,
      tableName: test.runtime.resources.tableName,
    }).getObservation('int-drift');
    expect(observed).toMatchObject({
      finding: 'drift',
      state: 'ERROR',
      integrationId: 'int-drift',
      ourState: 'ACTIVE',
      observedAt: now.toISOString(),
      disagreeingSince: now.toISOString(),
    });
    // Within the grace period: nobody is alerted yet.
    expect(raised).toEqual([]);
  });

  it('alerts a disagreement once it outlasts the grace period, once, and its convergence', async () => {
    const start = now;
    now = new Date(start.getTime() + 14 * 60_000);
    await reconciler()({ trigger: 'operator' }, ample);
    expect(raised).toEqual([]);
    now = new Date(start.getTime() + 16 * 60_000);
    await reconciler()({ trigger: 'operator' }, ample);
    expect(raised.map((incident) => incident.finding.integrationId).sort()).toEqual([
      'int-drift',
      'int-gone',
      'int-replaced',
    ]);
    expect(raised[0]?.since).toBe(start.toISOString());
    now = new Date(start.getTime() + 30 * 60_000);
    await reconciler()({ trigger: 'operator' }, ample);
    expect(raised).toHaveLength(3);
    // HappyColis's ERROR reaches us: the drift converges and is resolved, once.
    await integration('int-drift', 'ERROR', 'loc-b', 'org-1', '2026-02-02T00:00:00.000Z');
    await reconciler()({ trigger: 'operator' }, ample);
    await reconciler()({ trigger: 'operator' }, ample);
    expect(resolved.map((incident) => incident.finding.integrationId)).toEqual(['int-drift']);
    expect(resolved[0]?.incidentKey).toBe(
      raised.find((i) => i.finding.integrationId === 'int-drift')?.incidentKey,
    );
  });

  it('resumes where a run stopped, checking each location once', async () => {
    standIn.requests.length = 0;
    const asked = () => standIn.requests.filter((r) => r.operation === 'location').length;
    // Time for one chunk of two locations, then none: the sweep stops and is resumed.
    const reconcile = reconciler({ chunkSize: 2 });
    const first = await reconcile({ trigger: 'operator' }, () => (asked() >= 2 ? 0 : 600_000));
    expect(first.status).toBe('running');
    expect(first.sweep?.after).toBe('loc-b');
    expect(first.findings).toHaveLength(2);
    const sweepId = first.sweep?.sweepId ?? '';
    const second = await reconcile({ trigger: 'operator', continueSweep: sweepId }, ample);
    expect(second.status).toBe('done');
    expect(second.sweep?.sweepId).toBe(sweepId);
    expect(second.sweep?.runs).toBe(2);
    expect(second.findings.map((f) => f.locationId)).toEqual(['loc-c', 'loc-d', 'loc-e']);
    expect(asked()).toBe(5);
  });

  it('goes on past a location that fails, and says which it could not check and why', async () => {
    standIn.requests.length = 0;
    // The first location's request fails four times (every attempt); the rest answer.
    standIn.failNext(4, { status: 500 });
    const report = await reconciler({ chunkSize: 1 })({ trigger: 'operator' }, ample);
    expect(report.status).toBe('done');
    expect(report.unchecked).toEqual([
      { locationId: 'loc-a', organizationId: 'org-1', reason: 'HappyColis answered HTTP 500' },
    ]);
    expect(report.sweep?.counts).toMatchObject({ checked: 4, unchecked: 1 });
    expect(report.sweep?.unchecked).toEqual(report.unchecked);
  });

  it('waits out a 429 and asks for one token per organization for the whole sweep', async () => {
    standIn.requests.length = 0;
    standIn.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const report = await reconciler({
      chunkSize: 1,
      api: new HappyColisApi({
        apiUrl: standIn.url,
        credentials: { clientId: 'client-r', clientSecret: SECRET },
        rate: 100,
      }),
    })({ trigger: 'operator' }, ample);
    expect(report.unchecked).toEqual([]);
    expect(report.sweep?.counts).toMatchObject({ checked: 5, throttled: 1, requests: 7 });
    const [throttled, retried] = standIn.requests.filter((r) => r.path === '/graphql');
    expect((retried?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(standIn.requests.filter((r) => r.path === '/token')).toHaveLength(1);
  });

  it('skips organizations it is not configured for, and says so', async () => {
    const report = await reconciler({ organizationIds: ['org-other'] })(
      { trigger: 'operator' },
      ample,
    );
    expect(report.findings).toEqual([]);
    expect(report.unchecked.map((entry) => entry.reason)).toEqual(
      Array(5).fill('organization not in HAPPYCOLIS_ORGANIZATION_IDS'),
    );
  });

  it('on schedule, starts a sweep only when one is due, and never two at once', async () => {
    const scheduled = reconciler();
    const done = await reconciler()({ trigger: 'operator' }, ample);
    expect(done.status).toBe('done');
    expect((await scheduled({ trigger: 'schedule' }, ample)).status).toBe('not-due');
    const { document } = test.runtime.clients;
    const { tableName } = test.runtime.resources;
    const reconcileStore = new DynamoReconcileStore({ client: document, tableName });
    expect(
      await reconcileStore.lease('someone-else', now, new Date(now.getTime() + 60_000)),
    ).not.toBe('busy');
    expect((await reconciler()({ trigger: 'operator' }, ample)).status).toBe('busy');
    now = new Date(now.getTime() + 61 * 60_000);
    const due = await scheduled({ trigger: 'schedule' }, ample);
    expect(due.status).toBe('done');
    expect(due.sweep?.trigger).toBe('schedule');
  });

  it('keeps no credential in the table', async () => {
    const { Items = [] } = await test.runtime.clients.document.send(
      new ScanCommand({ TableName: test.runtime.resources.tableName }),
    );
    const text = JSON.stringify(Items);
    expect(text).toContain('drift');
    expect(standIn.tokensIssued.length).toBeGreaterThan(0);
    for (const secret of [SECRET, ...standIn.tokensIssued]) expect(text).not.toContain(secret);
    expect(Items.some((item) => item.pk === reconcileSweepKey.pk)).toBe(true);
  });
});
