import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, sign } from '../../functions/core/signature.ts';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import { stackName } from '../../lib/cloud/settings.ts';
import { unwrapPerProtocolMessage } from '../../lib/local/alerts.ts';
import { startAws, type TestAws } from '../support/aws.ts';
import { httpEvent, sqsEvent } from '../support/http-events.ts';
import { seedSample } from '../support/seeds.ts';
import { type SlackStandIn, startSlackStandIn } from '../support/webhook-stand-in.ts';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from './secrets-stand-in.ts';
import { FULL_OPTIONS } from './support.ts';

/**
 * The real thing, once: `cdk synth` through the pinned CLI, with every function bundled by the
 * local esbuild (no Docker, no network) as a deploy would upload it, cdk-nag registered as in
 * lib/cloud/app.ts. One synthesis serves two sets of checks, because it is the slowest step of the
 * test suite.
 *
 * The artifacts Lambda would run, run: each bundle's `index.mjs` is loaded in a fresh
 * Node process the way the Lambda runtime loads it (an ES module, the handler export the
 * template names, the template's environment), then invoked with a realistic event against
 * the emulators. Packaging mistakes (`Dynamic require of "…" is not supported`, a missing
 * export, a top-level await that throws) fail here and nowhere else before a deploy.
 *
 * The stage secret is read as in Lambda, through the SDK and Powertools, from a Secrets Manager
 * stand-in holding the JSON object docs/deploy.md tells operators to create.
 *
 * Differences from Lambda, on purpose: AWS endpoints point at the emulators and the stand-in,
 * and Node is this machine's, not Lambda's 24.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');
const STAGE = 'bundles';
const HMAC_SECRET = 'bundle-test-secret';
const BEARER_TOKEN = 'bundle-test-token';
const REGION = 'us-east-1';
/** The stage secret `cdk synth -c stage=bundles` names by default. */
const STAGE_SECRET = `fulfillment-webhooks/${STAGE}/secrets`;
/** A stage secret an operator got wrong: not JSON, or a field missing. */
const NOT_JSON_SECRET = 'broken/not-json';
const INCOMPLETE_SECRET = 'broken/incomplete';

interface FunctionResource {
  readonly Type: string;
  readonly Properties: {
    readonly Handler: string;
    readonly Runtime: string;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
  readonly Metadata?: Record<string, string>;
}

interface Bundle {
  /** The construct path below the stack, e.g. `Api/Ingest`. */
  readonly name: string;
  readonly dir: string;
  readonly handler: string;
  readonly runtime: string;
  readonly environment: Record<string, unknown>;
}

/** Loads a bundle as Lambda's Node.js runtime does and prints the handler's answer as JSON. */
const LOADER = `
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// fauxqs's queue URLs name sqs.<region>.localhost, which the system resolver may not know;
// in Lambda, DNS resolves the real SQS host. Only the lookup changes, not the bundle.
const systemLookup = dns.lookup;
dns.lookup = (host, ...rest) => systemLookup(host.endsWith('.localhost') ? '127.0.0.1' : host, ...rest);
// With node -e, the arguments start at argv[1].
const [dir, handlerName, eventFile] = process.argv.slice(1);
const module = await import(pathToFileURL(join(dir, 'index.mjs')).href);
const handler = module[handlerName];
if (typeof handler !== 'function') throw new Error('no exported function ' + handlerName);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = { awsRequestId: 'bundle-test', functionName: 'bundle-test', getRemainingTimeInMillis: () => 30000 };
const result = await handler(event, context);
process.stdout.write('\\n@@RESULT@@' + JSON.stringify(result ?? null));
`;

let aws: TestAws;
let slack: SlackStandIn;
let secrets: SecretsManagerStandIn;
let workDir: string;
let bundles: Map<string, Bundle>;
let synthSeconds: number;
let synthRun: SpawnSyncReturns<string>;
let refs: Record<string, string>;
let endpoints: { dynamodb: string; messaging: string };
/** What one step leaves for the next: the ingest's queued message, the check's alerts. */
let queued: string[] = [];
let alertBodies: string[] = [];
/** A `node` of the Lambda runtime's line (`nodejs24.x` → Node.js 24), whatever runs the tests. */
let lambdaNode: string;

/**
 * This process's node when it is of `runtime`'s line; otherwise the official binary that
 * `scripts/with-node` installs once from the npm registry.
 */
const nodeForRuntime = (runtime: string): string => {
  const line = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!line) throw new Error(`not a Node.js Lambda runtime: ${runtime}`);
  if (process.versions.node.split('.')[0] === line) return process.execPath;
  const found = spawnSync(
    join(ROOT, 'scripts', 'with-node'),
    [line, 'node', '-p', 'process.execPath'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (found.status !== 0) throw new Error(`no Node.js ${line}: ${found.stderr}`);
  return found.stdout.trim();
};

const endpointOf = async (client: { config: { endpoint?: () => Promise<unknown> } }) => {
  const endpoint = (await client.config.endpoint?.()) as
    | { protocol: string; hostname: string; port?: number; path: string }
    | undefined;
  if (!endpoint) throw new Error('the emulator client has no endpoint');
  return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
};

/** The template's value of a variable, with references to stack resources made local. */
const resolve = (value: unknown): string => {
  if (typeof value === 'string') return value;
  // A queue ARN (the operator functions name the DLQ by ARN for its move tasks).
  const arnOf = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (arnOf?.[1] === 'Arn' && refs[arnOf[0]] !== undefined) return aws.resources.deadLetterQueueArn;
  const ref = (value as { Ref?: string }).Ref;
  const local = ref ? refs[ref] : undefined;
  if (local === undefined) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  return local;
};

/**
 * Runs one bundle in a fresh `node` on `event`, its environment the template's plus
 * `overrides`; resolves with the handler's answer.
 */
const invoke = (
  bundle: Bundle,
  event: unknown,
  overrides: Record<string, string> = {},
): Promise<{ result: unknown; stderr: string }> => {
  const eventFile = join(workDir, `event-${bundle.name.replace(/\W/g, '-')}.json`);
  writeFileSync(eventFile, JSON.stringify(event));
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(bundle.environment)) {
    environment[key] = resolve(value);
  }
  Object.assign(environment, overrides);
  const child = spawn(
    lambdaNode,
    ['--input-type=module', '-e', LOADER, bundle.dir, bundle.handler, eventFile],
    {
      cwd: bundle.dir,
      env: {
        PATH: process.env.PATH,
        ...environment,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: endpoints.messaging,
        AWS_ENDPOINT_URL_SNS: endpoints.messaging,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_LAMBDA_FUNCTION_NAME: bundle.name,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const marker = stdout.lastIndexOf('@@RESULT@@');
      if (code !== 0 || marker < 0) {
        reject(new Error(`${bundle.name} exited with ${code}:\n${stderr}\n${stdout}`));
        return;
      }
      resolvePromise({ result: JSON.parse(stdout.slice(marker + '@@RESULT@@'.length)), stderr });
    });
  });
};

const bundle = (name: string): Bundle => {
  const found = bundles.get(name);
  if (!found) throw new Error(`no bundle ${name}; have ${[...bundles.keys()].join(', ')}`);
  return found;
};

const receiveAll = async (queueUrl: string) => {
  const { Messages = [] } = await aws.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
};

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'bundles-'));
  [aws, slack] = await Promise.all([startAws(), startSlackStandIn()]);
  secrets = await startSecretsManagerStandIn({
    [STAGE_SECRET]: JSON.stringify({
      HAPPYCOLIS_SECRETS: [HMAC_SECRET],
      WEBHOOK_TOKENS: BEARER_TOKEN,
      SLACK_WEBHOOK_URL: slack.url,
    }),
    [NOT_JSON_SECRET]: HMAC_SECRET,
    [INCOMPLETE_SECRET]: JSON.stringify({ HAPPYCOLIS_SECRETS: [HMAC_SECRET] }),
  });
  endpoints = {
    dynamodb: await endpointOf(aws.clients.dynamodb),
    messaging: await endpointOf(aws.clients.sqs),
  };
  const started = performance.now();
  synthRun = spawnSync(
    CDK,
    [
      'synth',
      '--quiet',
      '--no-notices',
      '--output',
      join(workDir, 'cdk.out'),
      '-c',
      `stage=${STAGE}`,
      ...Object.entries(FULL_OPTIONS).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      timeout: 170_000,
    },
  );
  synthSeconds = (performance.now() - started) / 1000;
  if (synthRun.status !== 0) throw new Error(`cdk synth failed:\n${synthRun.stderr}`);
  const template = JSON.parse(
    readFileSync(join(workDir, 'cdk.out', `${stackName(STAGE)}.template.json`), 'utf8'),
  ) as { Resources: Record<string, FunctionResource> };

  const byType = (type: string) =>
    Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  const only = (type: string) => {
    const [first, ...others] = byType(type);
    if (!first || others.length > 0) throw new Error(`expected one ${type}`);
    return first[0];
  };
  const queues = byType('AWS::SQS::Queue').map(([id]) => id);
  refs = {
    [only('AWS::DynamoDB::Table')]: aws.resources.tableName,
    [only('AWS::SNS::Topic')]: aws.resources.topicArn,
    // Every queue Ref in a function's environment is the event queue (the ingest's QUEUE_URL).
    ...Object.fromEntries(queues.map((id) => [id, aws.resources.queueUrl])),
  };

  bundles = new Map(
    byType('AWS::Lambda::Function').map(([, resource]) => {
      const path = resource.Metadata?.['aws:cdk:path'] ?? '';
      // `<stack>/Alerting/SlackNotifier/Function/Resource` → `Alerting/SlackNotifier`
      const name = path.split('/').slice(1, -2).join('/');
      const [file, handler] = resource.Properties.Handler.split('.');
      if (file !== 'index' || !handler)
        throw new Error(`unexpected handler ${resource.Properties.Handler}`);
      return [
        name,
        {
          name,
          dir: join(workDir, 'cdk.out', resource.Metadata?.['aws:asset:path'] ?? 'missing'),
          handler,
          runtime: resource.Properties.Runtime,
          environment: resource.Properties.Environment?.Variables ?? {},
        },
      ];
    }),
  );
  console.info(`cdk synth with bundling took ${synthSeconds.toFixed(1)} s`);
  lambdaNode = nodeForRuntime(bundle('Api/Ingest').runtime);
}, 180_000);

afterAll(async () => {
  await secrets?.close();
  await slack?.close();
  await aws?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('function bundles, loaded as Lambda loads them', () => {
  it('holds every function (a notifier per chat channel), each an ES module bundle for nodejs24.x, run on Node.js 24', () => {
    expect([...bundles.keys()].sort()).toEqual([
      'Alerting/PendingCheck',
      'Alerting/SlackNotifier',
      'Alerting/TeamsNotifier',
      'Api/Ingest',
      'Api/Query',
      'Ops/Reader',
      'Ops/Writer',
      'Pipeline/Processor',
      'Reconciler/Reconciler',
    ]);
    // Each bundle below runs on the line it ships for, not on whatever node runs the tests.
    expect(spawnSync(lambdaNode, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v24\./);
    for (const { name, runtime, dir } of bundles.values()) {
      expect(runtime, name).toBe('nodejs24.x');
      // An ES module exporting the handler by name, as `index.handler` asks.
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8'), name).toMatch(
        /export\s*\{[^}]*\bas handler\s*[,}]/,
      );
    }
  });

  it('ingest: a signed HappyColis webhook gets 200 and lands on the queue', async () => {
    const body = seedSample('created');
    const { result, stderr } = await invoke(
      bundle('Api/Ingest'),
      httpEvent('POST', '/webhooks/happycolis', {
        body,
        headers: { [SIGNATURE_HEADER]: sign(HMAC_SECRET, body) },
      }),
    );
    expect(result, stderr).toMatchObject({ statusCode: 200 });
    // Both credential lists from one read of the stage secret.
    expect(secrets.reads).toEqual([{ secretId: STAGE_SECRET, found: true }]);
    const messages = await receiveAll(aws.resources.queueUrl);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Body).toContain('r9s0t1u2-v3w4-5678-xyza-901234567890');
    // Hand the message on as the event source mapping would.
    queued = messages.map((message) => message.Body ?? '');
  });

  it('ingest: takes the bearer token from the same stage secret', async () => {
    const notice = (token: string) =>
      httpEvent('POST', '/webhooks/delivery-errors', {
        body: JSON.stringify({ code: 500, endpoint: 'https://example.com', message: 'down' }),
        headers: { authorization: `Bearer ${token}` },
      });
    const refused = await invoke(bundle('Api/Ingest'), notice('not-the-token'));
    expect(refused.result, refused.stderr).toMatchObject({ statusCode: 401 });
    const accepted = await invoke(bundle('Api/Ingest'), notice(BEARER_TOKEN));
    expect(accepted.result, accepted.stderr).toMatchObject({ statusCode: 200 });
    // Out of the way of the steps that follow, which read the alerts queue only.
    expect(await receiveAll(aws.resources.queueUrl)).toHaveLength(1);
  });

  it.each([
    [NOT_JSON_SECRET, `secret ${NOT_JSON_SECRET} must hold a JSON object of credentials`],
    [INCOMPLETE_SECRET, `secret ${INCOMPLETE_SECRET} has no field WEBHOOK_TOKENS`],
  ])(
    'ingest: a stage secret %s fails the cold start, saying why and showing no value',
    async (secretId, message) => {
      const failing = invoke(bundle('Api/Ingest'), httpEvent('POST', '/webhooks/happycolis'), {
        HAPPYCOLIS_SECRETS_SECRET_ID: secretId,
        WEBHOOK_TOKENS_SECRET_ID: secretId,
      });
      await expect(failing).rejects.toThrow(message);
      await expect(failing).rejects.not.toThrow(HMAC_SECRET);
    },
  );

  it('processor: applies the queued webhook, no record failed', async () => {
    expect(queued).toHaveLength(1);
    const { result } = await invoke(bundle('Pipeline/Processor'), sqsEvent(queued));
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('query: reads the integration back as PENDING', async () => {
    const id = 'r9s0t1u2-v3w4-5678-xyza-901234567890';
    const { result } = await invoke(
      bundle('Api/Query'),
      httpEvent('GET', `/integrations/${id}`, { pathParameters: { id } }),
    );
    expect(result).toMatchObject({ statusCode: 200 });
    const body = JSON.parse((result as { body: string }).body) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('PENDING');
    expect(JSON.stringify(body)).not.toContain('accessToken');
  });

  it('ops reader: lists the integration among the PENDING ones', async () => {
    const { result, stderr } = await invoke(bundle('Ops/Reader'), {
      ...httpEvent('GET', '/integrations'),
      queryStringParameters: { state: 'PENDING' },
    });
    expect(result, stderr).toMatchObject({ statusCode: 200 });
    expect((result as { body: string }).body).toContain('r9s0t1u2-v3w4-5678-xyza-901234567890');
  });

  it('pending check: on its schedule, records the integration pending since 2024, and the processor flushes its group', async () => {
    // A one-second group window, so the flush comes within the test.
    const window = { ALERT_GROUP_WINDOW_SECONDS: '1' };
    const { result } = await invoke(
      bundle('Alerting/PendingCheck'),
      {
        version: '0',
        id: 'bundle-test',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: new Date().toISOString(),
        region: REGION,
        resources: ['arn:aws:events:us-east-1:123456789012:rule/bundle-test'],
        detail: {},
      },
      window,
    );
    expect(result).toMatchObject({ alerted: 1, failed: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const flushes = (await receiveAll(aws.resources.queueUrl)).map((message) => message.Body ?? '');
    expect(flushes.map((body) => JSON.parse(body).kind)).toEqual(['alert-flush']);
    const flushed = await invoke(bundle('Pipeline/Processor'), sqsEvent(flushes), window);
    expect(flushed.result, flushed.stderr).toEqual({ batchItemFailures: [] });
    const messages = await receiveAll(aws.resources.alertsQueueUrl);
    alertBodies = messages.map((message) => message.Body ?? '');
    expect(alertBodies.join('\n')).toContain('integration-stuck-pending');
  });

  it('slack notifier: posts the alert to Slack', async () => {
    expect(alertBodies.length).toBeGreaterThan(0);
    // fauxqs hands an SQS subscriber the whole per-protocol publish; SNS would hand it the
    // `sqs` member only, which is what the notifier gets here.
    const event = sqsEvent(alertBodies.slice(0, 1));
    const { result, stderr } = await invoke(bundle('Alerting/SlackNotifier'), {
      Records: event.Records.map(unwrapPerProtocolMessage),
    });
    expect(result, stderr).toEqual({ batchItemFailures: [] });
    expect(secrets.reads.at(-1)).toEqual({ secretId: STAGE_SECRET, found: true });
    expect(slack.posts()).toHaveLength(1);
    expect(slack.posts()[0]?.raw).toContain('integration-stuck-pending');
  });
});

describe('cdk synth', () => {
  it('succeeds with no cdk-nag finding, within a minute on two cores', () => {
    expect(synthRun.error).toBeUndefined();
    expect(synthRun.stderr).not.toMatch(/AwsSolutions-/);
    expect(synthRun.status, String(synthRun.stderr)).toBe(0);
    const report = JSON.parse(
      readFileSync(join(workDir, 'cdk.out', 'validation-report.json'), 'utf8'),
    ) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
    expect(synthSeconds).toBeLessThan(60);
  });

  it('bundles every function as minified ESM with source maps and a working require', () => {
    expect(bundles.size).toBe(7 + CHAT_CHANNEL_NAMES.length);
    for (const { name, dir } of bundles.values()) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code, name).toMatch(
        /^import \{ createRequire \} from 'module'; const require = createRequire\(import\.meta\.url\);/,
      );
      // Unminified esbuild output indents most lines; minified output only has the odd
      // indented line inside a template literal.
      const lines = code.split('\n');
      const indented = lines.filter((line) => /^\s+\S/.test(line)).length;
      expect(indented / lines.length, name).toBeLessThan(0.2);
      expect(code, name).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(dir, 'index.mjs.map')), name).toBe(true);
    }
  });
});
