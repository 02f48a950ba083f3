import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import * as v from 'valibot';
import { credentialListField, parseList, parseStageSecret } from '../../functions/config.ts';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { integrationPath, ROUTES } from '../../functions/definitions/routes.ts';
import { SMOKE_TEST } from '../../functions/definitions/smoke-test.ts';
import { DEFAULT_PORT, DEV_HAPPYCOLIS_SECRET } from '../local/config.ts';
import { createOpsClient, needsSigning } from './client.ts';
import { readStageOutputs, type StageOutputs, stageOutput } from './stage-outputs.ts';

/**
 * `npm run ops -- smoke [--stage S | --url U]`: proves a stage works end to end before anyone
 * relies on it. It posts a signed `accepted` event for the reserved smoke-test integration to
 * the stage's HappyColis webhook URL, waits until the processor has applied it, reads it back
 * through the operator API (and checks the access token never comes back), and checks that the
 * alerts topic's subscriptions are confirmed. Each step passes or fails with what to do.
 *
 * It leaves nothing behind that alerts anyone or shows in a list: an `accepted` event raises no
 * alert, and the reserved integration is kept out of the list indexes (see
 * functions/definitions/smoke-test.ts).
 */

export const SMOKE_USAGE = `usage: npm run ops -- smoke [--stage NAME [--region R] | --url URL] [--secret S] [--timeout SECONDS] [--json]

Posts a signed synthetic event for the reserved integration ${SMOKE_TEST.integrationId}, waits
until it is applied, reads it back through the operator API, and checks that the alerts
topic's subscriptions are confirmed. Exit status 0 when every step passed, 1 otherwise.

  --stage NAME    a deployed stage (outputs of FulfillmentWebhooks-NAME; the HappyColis client
                  secret is read from the stage secret unless --secret is given)
  --url URL       the local runtime (default http://127.0.0.1:$PORT, PORT defaulting to ${DEFAULT_PORT})
  --secret S      the HappyColis client secret to sign with (default: the stage secret's first
                  HAPPYCOLIS_SECRETS value; locally the first of HAPPYCOLIS_SECRETS, else the
                  development secret)
  --timeout N     seconds to wait for the event to be applied (default 60)
  --json          print the steps as JSON`;

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface SmokeStep {
  readonly step: string;
  readonly status: StepStatus;
  readonly detail: string;
  /** What to do about a failure. */
  readonly todo?: string;
}

export interface Subscription {
  readonly protocol: string;
  readonly endpoint: string;
  readonly pending: boolean;
}

/** What the smoke test reaches outside the HTTP API; replaced in tests. */
export interface SmokeDeps {
  readonly fetchImpl: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly readOutputs: (stage: string, region: string | undefined) => Promise<StageOutputs>;
  readonly readSigningSecrets: (secretName: string, region: string) => Promise<string[]>;
  readonly listSubscriptions: (topicArn: string, region: string) => Promise<Subscription[]>;
}

export interface SmokeOptions {
  readonly stage?: string;
  readonly url?: string;
  readonly region?: string;
  readonly secret?: string;
  readonly timeoutSeconds: number;
  readonly env: NodeJS.ProcessEnv;
}

const regionOfArn = (arn: string): string | undefined => arn.split(':')[3] || undefined;
const regionOfUrl = (url: string): string | undefined =>
  /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];

const readSigningSecrets = async (secretName: string, region: string): Promise<string[]> => {
  const client = new SecretsManagerClient({ region });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
    return credentialListField(
      parseStageSecret(SecretString, secretName),
      'HAPPYCOLIS_SECRETS',
      secretName,
    );
  } finally {
    client.destroy();
  }
};

const listSubscriptions = async (topicArn: string, region: string): Promise<Subscription[]> => {
  const client = new SNSClient({ region });
  const found: Subscription[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
      );
      for (const one of page.Subscriptions ?? []) {
        found.push({
          protocol: one.Protocol ?? '?',
          endpoint: one.Endpoint ?? '?',
          // SNS names a subscription not yet confirmed by this placeholder instead of an ARN.
          pending: one.SubscriptionArn === 'PendingConfirmation',
        });
      }
      token = page.NextToken;
    } while (token);
    return found;
  } finally {
    client.destroy();
  }
};

export const DEFAULT_SMOKE_DEPS: SmokeDeps = {
  fetchImpl: fetch,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => new Date(),
  readOutputs: readStageOutputs,
  readSigningSecrets,
  listSubscriptions,
};

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The synthetic event: the documented `accepted` envelope, about the reserved integration. */
export const smokeEvent = (date: Date, token: string) => ({
  header: {
    organizationId: SMOKE_TEST.organizationId,
    messageId: `smoke-${randomUUID()}`,
    webhookId: 'smoke-test',
    type: 'location/fulfillment_service_integration/accepted',
    // A second in the past: the receiver refuses event dates in the future.
    date: new Date(date.getTime() - 1000).toISOString(),
  },
  body: {
    id: SMOKE_TEST.integrationId,
    locationId: SMOKE_TEST.locationId,
    fulfillmentServiceId: SMOKE_TEST.fulfillmentServiceId,
    accessToken: token,
    scopes: [],
    state: 'ACTIVE',
  },
});

const IngestAnswer = v.object({
  status: v.string(),
  messageId: v.optional(v.string()),
  queueMessageId: v.optional(v.string()),
  errors: v.optional(v.array(v.object({ path: v.string(), message: v.string() }))),
});

const ViewAnswer = v.object({
  id: v.string(),
  state: v.nullable(v.string()),
  hasAccessToken: v.boolean(),
  lastEventAt: v.nullable(v.string()),
  history: v.array(v.object({ messageId: v.string(), outcome: v.string(), type: v.string() })),
});

/** Runs every step it can; a step that the next ones depend on stops the run when it fails. */
export const runSmoke = async (
  options: SmokeOptions,
  deps: SmokeDeps = DEFAULT_SMOKE_DEPS,
): Promise<SmokeStep[]> => {
  const steps: SmokeStep[] = [];
  const pass = (step: string, detail: string) => steps.push({ step, status: 'pass', detail });
  const fail = (step: string, detail: string, todo: string) => {
    steps.push({ step, status: 'fail', detail, todo });
    return steps;
  };
  const { stage } = options;
  const ops = stage ? ` --stage ${stage}` : options.url ? ` --url ${options.url}` : '';

  // 1. Where the stage is.
  let apiUrl: string;
  let topicArn: string | undefined;
  let secretName: string | undefined;
  let region = options.region;
  if (stage) {
    try {
      const outputs = await deps.readOutputs(stage, region);
      apiUrl = stageOutput(outputs, stage, 'ApiUrl');
      topicArn = stageOutput(outputs, stage, 'AlertsTopicArn');
      secretName = stageOutput(outputs, stage, 'StageSecretName');
    } catch (error) {
      return fail(
        'stage',
        messageOf(error),
        'fix what the message says, then run the smoke test again',
      );
    }
    region ??= regionOfUrl(apiUrl) ?? regionOfArn(topicArn);
    pass('stage', `stack FulfillmentWebhooks-${stage}: API ${apiUrl}`);
  } else {
    apiUrl = options.url ?? `http://127.0.0.1:${options.env.PORT ?? DEFAULT_PORT}`;
    steps.push({ step: 'stage', status: 'skip', detail: `no --stage: the API at ${apiUrl}` });
  }
  const webhookUrl = new URL(ROUTES.happycolis, apiUrl).href;

  // 2. The HappyColis client secret to sign with.
  let secret = options.secret;
  if (secret) {
    pass('secret', 'signing with the secret given by --secret');
  } else if (secretName && region) {
    try {
      secret = (await deps.readSigningSecrets(secretName, region))[0];
    } catch (error) {
      return fail(
        'secret',
        `cannot read the HappyColis client secret from ${secretName}: ${messageOf(error)}`,
        `let your identity call secretsmanager:GetSecretValue on ${secretName}, or pass --secret <HappyColis client secret>`,
      );
    }
    if (!secret) {
      return fail(
        'secret',
        `${secretName} lists no HAPPYCOLIS_SECRETS value`,
        `put the HappyColis client secret in the HAPPYCOLIS_SECRETS field of ${secretName} (docs/deploy.md, "Create the stage secret")`,
      );
    }
    pass('secret', `signing with the first HAPPYCOLIS_SECRETS value of ${secretName}`);
  } else {
    secret = parseList(options.env.HAPPYCOLIS_SECRETS)[0] ?? DEV_HAPPYCOLIS_SECRET;
    pass(
      'secret',
      options.env.HAPPYCOLIS_SECRETS
        ? 'signing with the first value of HAPPYCOLIS_SECRETS'
        : 'signing with the development secret (HAPPYCOLIS_SECRETS is not set)',
    );
  }

  // 3. Deliver a signed event, as HappyColis would.
  const token = `smoke-token-${randomUUID()}`;
  const event = smokeEvent(deps.now(), token);
  const payload = JSON.stringify(event);
  const started = Date.now();
  let answer: Response;
  try {
    answer = await deps.fetchImpl(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, payload) },
      body: payload,
    });
  } catch (error) {
    return fail(
      'deliver',
      `cannot reach ${webhookUrl}: ${messageOf(error)}`,
      stage ? 'check your network and the stage name' : 'start the local runtime with `npm start`',
    );
  }
  const text = await answer.text();
  const ingest = v.safeParse(
    IngestAnswer,
    (() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    })(),
  );
  const took = Date.now() - started;
  if (answer.status === 401) {
    return fail(
      'deliver',
      `401: the receiver refused the signature (${text.slice(0, 200)})`,
      stage
        ? `the stage secret's HAPPYCOLIS_SECRETS must hold the HappyColis client secret; if you changed it, the ingest reads it again at its next cold start`
        : 'pass the secret the runtime was started with (--secret, or the same HAPPYCOLIS_SECRETS)',
    );
  }
  if (answer.status >= 500) {
    return fail(
      'deliver',
      `${answer.status}: the ingest failed (${text.slice(0, 200)})`,
      "read the ingest function's log group: a missing stage secret or field fails its start, and names what is missing",
    );
  }
  if (answer.status !== 200 || !ingest.success) {
    return fail(
      'deliver',
      `${answer.status}: unexpected answer from ${webhookUrl} (${text.slice(0, 200)})`,
      'check the URL or the stage name',
    );
  }
  if (ingest.output.status !== 'accepted') {
    return fail(
      'deliver',
      `the receiver ${ingest.output.status} the event: ${(ingest.output.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      `see \`npm run ops -- quarantine list${ops}\`; the smoke event should always be valid, so report this`,
    );
  }
  pass('deliver', `signed event accepted: 200 in ${took} ms (message ${event.header.messageId})`);

  // 4. Applied, and read back through the operator API.
  const signRegion = needsSigning(apiUrl) ? (region ?? regionOfUrl(apiUrl)) : undefined;
  const call = createOpsClient({
    baseUrl: apiUrl,
    ...(signRegion ? { signRegion } : {}),
    fetchImpl: deps.fetchImpl,
  });
  const path = integrationPath(encodeURIComponent(SMOKE_TEST.integrationId));
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let view: v.InferOutput<typeof ViewAnswer> | undefined;
  let raw = '';
  for (;;) {
    let read: Awaited<ReturnType<typeof call>>;
    try {
      read = await call('GET', path);
    } catch (error) {
      return fail('applied', messageOf(error), 'check your AWS credentials and the URL');
    }
    if (read.status === 403) {
      return fail(
        'applied',
        'the operator API refused the read (403)',
        `your IAM identity needs execute-api:Invoke on GET /integrations/* (docs/operations.md, "Read and write, separately, with IAM")`,
      );
    }
    if (read.status === 200) {
      const parsed = v.safeParse(ViewAnswer, read.body);
      // The history item and the integration item are written concurrently: applied means
      // both show the event.
      if (
        parsed.success &&
        parsed.output.lastEventAt === event.header.date &&
        parsed.output.history.some((line) => line.messageId === event.header.messageId)
      ) {
        view = parsed.output;
        raw = JSON.stringify(read.body);
        break;
      }
    } else if (read.status !== 404) {
      return fail(
        'applied',
        `GET ${path} answered ${read.status}: ${JSON.stringify(read.body).slice(0, 200)}`,
        "read the query function's log group",
      );
    }
    if (Date.now() >= deadline) {
      return fail(
        'applied',
        `not applied within ${options.timeoutSeconds} s`,
        `the event waits in the queue or failed: see \`npm run ops -- dlq show${ops}\`, the QueueBacklog and ProcessorErrors alarms, and the processor's log group`,
      );
    }
    await deps.sleep(stage ? 1000 : 200);
  }
  pass('applied', `applied within ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const line = view.history.find((entry) => entry.messageId === event.header.messageId);
  if (raw.includes(token)) {
    return fail(
      'read back',
      'the operator API returned the access token',
      'do not use this stage: an access token must never leave the table; report this',
    );
  }
  if (view.state !== 'ACTIVE' || line?.outcome !== 'applied' || !view.hasAccessToken) {
    return fail(
      'read back',
      `expected ACTIVE with a token held and the event applied, got state ${view.state}, token held ${view.hasAccessToken}, outcome ${line?.outcome}`,
      'an event dated later than now was stored for the reserved integration, or the processor is out of date: deploy again',
    );
  }
  pass('read back', `${SMOKE_TEST.integrationId} is ACTIVE, the event applied, no token shown`);

  // 5. Someone receives the alerts.
  if (!topicArn || !region) {
    steps.push({
      step: 'alerts',
      status: 'skip',
      detail: 'the local runtime prints alerts (and posts them to SLACK_WEBHOOK_URL when set)',
    });
    return steps;
  }
  let subscriptions: Subscription[];
  try {
    subscriptions = await deps.listSubscriptions(topicArn, region);
  } catch (error) {
    return fail(
      'alerts',
      `cannot list the subscriptions of ${topicArn}: ${messageOf(error)}`,
      'let your identity call sns:ListSubscriptionsByTopic on the alerts topic',
    );
  }
  const named = (one: Subscription) =>
    one.protocol === 'sqs' ? 'sqs (the chat notifier queue)' : `${one.protocol} ${one.endpoint}`;
  const pending = subscriptions.filter((one) => one.pending);
  if (subscriptions.length === 0) {
    return fail(
      'alerts',
      'the alerts topic has no subscription: nobody receives alerts',
      `set alertEmail (and slack) in stages/${stage}.json and deploy again`,
    );
  }
  if (pending.length > 0) {
    return fail(
      'alerts',
      `waiting for confirmation: ${pending.map(named).join(', ')}`,
      `open the "AWS Notification - Subscription Confirmation" email sent to ${pending.map((one) => one.endpoint).join(', ')} and click its link; nothing reaches an address before that`,
    );
  }
  pass(
    'alerts',
    `${subscriptions.length} subscription(s) confirmed: ${subscriptions.map(named).join(', ')}`,
  );
  return steps;
};

const LABEL: Record<StepStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** The steps as an operator reads them: one line each, and what to do under a failure. */
export const formatSmoke = (steps: readonly SmokeStep[]): string => {
  const width = Math.max(...steps.map((one) => one.step.length));
  const failed = steps.filter((one) => one.status === 'fail').length;
  return [
    ...steps.flatMap((one) => [
      `${LABEL[one.status]}  ${one.step.padEnd(width)}  ${one.detail}`,
      ...(one.todo ? [`      ${' '.repeat(width)}  what to do: ${one.todo}`] : []),
    ]),
    failed === 0 ? 'smoke test passed' : `smoke test FAILED (${failed} step failed)`,
  ].join('\n');
};

export interface SmokeIo {
  readonly print: (text: string) => void;
  readonly printError: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly deps?: Partial<SmokeDeps>;
}

/** `smoke` with its command line (the arguments after `smoke`); resolves to the exit code. */
export const runSmokeCommand = async (argv: readonly string[], io: SmokeIo): Promise<number> => {
  let values: ReturnType<typeof parseSmokeArgs>['values'];
  try {
    ({ values } = parseSmokeArgs(argv));
  } catch (error) {
    io.printError(`${messageOf(error)}\n\n${SMOKE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.print(SMOKE_USAGE);
    return 0;
  }
  const timeoutSeconds = Number(values.timeout ?? 60);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || (values.stage && values.url)) {
    io.printError(`give --stage or --url, not both, and a positive --timeout\n\n${SMOKE_USAGE}`);
    return 2;
  }
  const steps = await runSmoke(
    {
      ...(values.stage ? { stage: values.stage } : {}),
      ...(values.url ? { url: values.url } : {}),
      ...(values.secret ? { secret: values.secret } : {}),
      region: values.region ?? io.env.AWS_REGION,
      timeoutSeconds,
      env: io.env,
    },
    { ...DEFAULT_SMOKE_DEPS, ...io.deps },
  );
  io.print(values.json ? JSON.stringify({ steps }, null, 2) : formatSmoke(steps));
  return steps.some((one) => one.status === 'fail') ? 1 : 0;
};

const parseSmokeArgs = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: false,
    options: {
      stage: { type: 'string' },
      url: { type: 'string' },
      region: { type: 'string' },
      secret: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
