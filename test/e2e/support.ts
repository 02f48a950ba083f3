import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { queueDepth as sqsQueueDepth } from '../../functions/adapters/clients.ts';
import { type Alert, type GroupMessage, GroupMessageSchema } from '../../functions/core/alerts.ts';
import type { IntegrationStore } from '../../functions/core/ports.ts';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import type { AlertConsumer } from '../../lib/local/alerts.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../lib/local/runtime.ts';

/** Helpers for end-to-end tests: a runtime per file, HTTP calls, bounded waiting. */

// The SDK's notice that future releases need Node 22 says nothing about these tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const SECRET = 'e2e-happycolis-secret';
export const TOKEN = 'e2e-delivery-token';
/** The integration every documented sample is about. */
export const SAMPLE_ID = 'r9s0t1u2-v3w4-5678-xyza-901234567890';
/** Short, so a failed record comes back within seconds. */
export const VISIBILITY_TIMEOUT_SECONDS = 2;

export interface TestRuntime {
  readonly runtime: LocalRuntime;
  readonly url: string;
  readonly dataDir: string;
  /**
   * Every incident the topic delivered, in arrival order: the alert of a message about one
   * incident, or each incident of a grouped message as that message lists it.
   */
  readonly alerts: Alert[];
  /** Every message the topic delivered, validated against the schema. */
  readonly messages: GroupMessage[];
  /** The runtime's own output lines. */
  readonly lines: string[];
  stop(): Promise<void>;
}

/** The group window and interval of the test runtimes: short, so alerts arrive quickly. */
export const E2E_GROUP_TIMING = { windowMs: 200, intervalMs: 500 };

/** An incident as a grouped message lists it: what is known of it there. */
const listedAlert =
  (digest: GroupMessage) =>
  (entry: GroupMessage['entries'][number]): Alert => ({
    version: 1,
    kind: digest.kind,
    severity: digest.severity,
    incidentKey: entry.incidentKey,
    occurredAt: entry.occurredAt,
    organizationId: digest.organizationId,
    title: entry.title,
    summary: digest.summary,
    ...(entry.integration
      ? {
          integration: {
            ...entry.integration,
            organizationId: digest.organizationId,
            state: null,
            stateSince: null,
            recentHistory: [],
          },
        }
      : {}),
    facts: [],
    actions: [],
  });

export const createDataDir = () => mkdtemp(join(tmpdir(), 'webhooks-e2e-'));

/** Starts a runtime on a free port; alerts and output are collected instead of printed. */
export const startTestRuntime = async (
  overrides: Partial<LocalRuntimeOptions> & { readonly keepDataDir?: boolean } = {},
): Promise<TestRuntime> => {
  const { keepDataDir, ...options } = overrides;
  const dataDir = options.dataDir ?? (await createDataDir());
  const alerts: Alert[] = [];
  const messages: GroupMessage[] = [];
  const lines: string[] = [];
  const collect: AlertConsumer = async (event) => {
    for (const record of event.Records) {
      const digest = v.parse(GroupMessageSchema, JSON.parse(record.body));
      messages.push(digest);
      alerts.push(...(digest.alert ? [digest.alert] : digest.entries.map(listedAlert(digest))));
    }
  };
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    happycolisSecrets: [SECRET],
    webhookTokens: [TOKEN],
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    alertConsumers: [collect],
    // Groups close fast, so each test sees its alerts within a second.
    groupTiming: E2E_GROUP_TIMING,
    print: (line) => lines.push(line),
    ...options,
  });
  return {
    runtime,
    url: runtime.url,
    dataDir,
    alerts,
    messages,
    lines,
    stop: async () => {
      await runtime.stop();
      if (!keepDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
};

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  /** The body as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

const answer = async (response: Response): Promise<HttpAnswer> => {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
};

export const request = async (
  url: string,
  init: RequestInit & { readonly path: string },
): Promise<HttpAnswer> => answer(await fetch(`${url}${init.path}`, init));

/** Posts a webhook body signed with `secret` (or with the given `signature`, or none). */
export const postWebhook = (
  url: string,
  body: string,
  options: { readonly secret?: string; readonly signature?: string | null } = {},
): Promise<HttpAnswer> => {
  const signature =
    options.signature === undefined ? sign(options.secret ?? SECRET, body) : options.signature;
  return request(url, {
    path: '/webhooks/happycolis',
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { [SIGNATURE_HEADER]: signature }),
    },
    body,
  });
};

export const getIntegration = (url: string, id: string): Promise<HttpAnswer> =>
  request(url, { path: `/integrations/${encodeURIComponent(id)}`, method: 'GET' });

/** The view of `GET /integrations/{id}`, checked field by field. */
export const IntegrationViewSchema = v.strictObject({
  id: v.string(),
  organizationId: v.nullable(v.string()),
  locationId: v.nullable(v.string()),
  fulfillmentServiceId: v.nullable(v.string()),
  state: v.nullable(v.picklist(['PENDING', 'ACTIVE', 'INACTIVE', 'ERROR'])),
  scopes: v.array(v.string()),
  hasAccessToken: v.boolean(),
  lastEventAt: v.nullable(v.string()),
  lastEventType: v.nullable(v.string()),
  history: v.array(
    v.strictObject({
      type: v.string(),
      date: v.string(),
      messageId: v.string(),
      outcome: v.string(),
    }),
  ),
});
export type IntegrationView = v.InferOutput<typeof IntegrationViewSchema>;

export const viewOf = (response: HttpAnswer): IntegrationView =>
  v.parse(IntegrationViewSchema, response.json);

/**
 * Polls `probe` until it returns something other than `undefined`, or fails after
 * `timeoutMs` with `what` and the last error seen.
 */
export const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 100 } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};

/** Waits until the integration's view satisfies `predicate`, and returns it. */
export const waitForView = (
  url: string,
  id: string,
  what: string,
  predicate: (view: IntegrationView) => boolean,
  timeoutMs?: number,
): Promise<IntegrationView> =>
  waitFor(
    `${id}: ${what}`,
    async () => {
      const response = await getIntegration(url, id);
      if (response.status !== 200) return undefined;
      const view = viewOf(response);
      return predicate(view) ? view : undefined;
    },
    timeoutMs === undefined ? {} : { timeoutMs },
  );

/** Visible + in-flight + delayed messages of a queue, as SQS reports them. */
export const queueDepth = (runtime: LocalRuntime, queueUrl: string): Promise<number> =>
  sqsQueueDepth(runtime.clients.sqs, queueUrl);

/**
 * Waits until the event queue and the alerts queue have both been empty for a while: every
 * accepted message was processed and every alert it caused was delivered.
 */
export const waitUntilIdle = async (test: TestRuntime, quietMs = 300): Promise<void> => {
  const { resources } = test.runtime;
  let quietSince: number | undefined;
  await waitFor('the pipeline to go idle', async () => {
    const depth =
      (await queueDepth(test.runtime, resources.queueUrl)) +
      (await queueDepth(test.runtime, resources.alertsQueueUrl));
    if (depth > 0) {
      quietSince = undefined;
      return undefined;
    }
    quietSince ??= Date.now();
    return Date.now() - quietSince >= quietMs ? true : undefined;
  });
};

/**
 * The processor's store with a fault the emulators cannot produce: `applyEvent` throws
 * whatever `fault` returns for an event (nothing: the call goes through).
 */
export const withApplyEventFault =
  (fault: (event: Parameters<IntegrationStore['applyEvent']>[0]) => Error | undefined) =>
  (store: IntegrationStore): IntegrationStore =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'applyEvent') {
          const applyEvent: IntegrationStore['applyEvent'] = async (event, at) => {
            const error = fault(event);
            if (error) throw error;
            return target.applyEvent(event, at);
          };
          return applyEvent;
        }
        const value: unknown = Reflect.get(target, property, target);
        // The adapter keeps its client in private fields: call its methods on itself.
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
