import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { stackName } from '../lib/cloud/settings.ts';
import { freePort } from '../lib/local/free-port.ts';

/**
 * A deploy rehearsal without an AWS account: `cdk bootstrap` and `cdk deploy` against moto's
 * CloudFormation endpoint (`moto_server`, started here on a free loopback port), then
 * `cdk destroy` and a second deploy, then a second stage beside the first. Each deploy must end
 * `CREATE_COMPLETE`. It proves that the pinned CLI, the assembly, the assets and the template's
 * shape go through a CloudFormation API end to end; it does not prove what AWS itself enforces
 * (docs/deploy.md, "Rehearse a deploy without an account").
 *
 *   npm run deploy:rehearsal
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-3';
const STAGE = 'rehearsal';
const SECOND_STAGE = 'rehearsal2';
/** Every option on, so every resource type the stack can hold goes through. */
const CONTEXT = {
  alertEmail: 'oncall@example.com',
  slack: 'true',
};

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const step = (text: string) => console.info(`\n[${elapsed()}] ${text}`);

/** moto's log: its request lines, and a warning for each resource type it only records. */
let motoLog = '';

const startMoto = async (port: number): Promise<ChildProcess> => {
  const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  moto.stderr?.on('data', (chunk: Buffer) => {
    motoLog += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) =>
    moto.once('exit', (code) => reject(new Error(`moto_server exited (${code}):\n${motoLog}`))),
  );
  const ready = (async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await fetch(`http://127.0.0.1:${port}/moto-api/`);
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error('moto_server did not answer within 10 s');
  })();
  await Promise.race([ready, exited]);
  moto.removeAllListeners('exit');
  return moto;
};

/** Runs the pinned CDK CLI, streaming its output; fails on a non-zero exit. */
const cdk = (env: NodeJS.ProcessEnv, args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(CDK, [...args, '--no-notices'], { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`cdk ${args[0]} exited with ${code}`)),
    );
  });

const contextArgs = (stage: string) =>
  Object.entries({ ...CONTEXT, stage }).flatMap(([key, value]) => ['-c', `${key}=${value}`]);

const stackStatus = async (cloudformation: CloudFormationClient, name: string) => {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
    return Stacks?.[0]?.StackStatus ?? 'MISSING';
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return 'MISSING';
    throw error;
  }
};

const expectStatus = async (cloudformation: CloudFormationClient, name: string, want: string) => {
  const status = await stackStatus(cloudformation, name);
  console.info(`${name}: ${status}`);
  if (status !== want) throw new Error(`${name} is ${status}, expected ${want}`);
};

/** Resource types moto's CloudFormation accepted without creating anything behind them. */
const notModelled = (): string[] =>
  [
    ...new Set(
      [...motoLog.matchAll(/No Moto CloudFormation support for (\S+)/g)].map((m) => m[1] ?? ''),
    ),
  ]
    .filter((type) => type !== '')
    .sort();

const port = await freePort();
const workDir = await mkdtemp(join(tmpdir(), 'deploy-rehearsal-'));
step(`moto_server on 127.0.0.1:${port}`);
const moto = await startMoto(port);

// moto reads the template back from its own S3 and only parses a path-style URL when the
// host is `localhost`, hence `localhost` here and `127.0.0.1` for the listener.
const endpoint = `http://localhost:${port}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'rehearsal',
  AWS_SECRET_ACCESS_KEY: 'rehearsal',
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  CDK_DEFAULT_ACCOUNT: ACCOUNT,
  CDK_DEFAULT_REGION: REGION,
  CDK_DISABLE_VERSION_CHECK: '1',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: join(workDir, 'no-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-credentials'),
};
const clientConfig = {
  endpoint,
  region: REGION,
  credentials: { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' },
};
const cloudformation = new CloudFormationClient(clientConfig);
const dynamodb = new DynamoDBClient(clientConfig);
// Queue URLs name the real SQS host; the request must still go to moto.
const sqs = new SQSClient({ ...clientConfig, useQueueUrlAsEndpoint: false });

/** The table and the DLQ named in the outputs exist behind the endpoint, not just in a record. */
const checkOutputs = async (outputs: Record<string, string>) => {
  const tableName = outputs.TableName ?? '';
  const table = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  console.info(
    `table ${tableName}: ${table.Table?.TableStatus}, ${table.Table?.SSEDescription?.SSEType ?? 'no'} SSE`,
  );
  const dlq = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: outputs.DeadLetterQueueUrl ?? '',
      AttributeNames: ['MessageRetentionPeriod'],
    }),
  );
  console.info(`dead-letter queue: retention ${dlq.Attributes?.MessageRetentionPeriod} s`);
};

const tableExists = async (tableName: string) => {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
    throw error;
  }
};

const deploy = async (stage: string, round: string) => {
  const name = stackName(stage);
  step(`${round}: cdk deploy ${name}`);
  const outputsFile = join(workDir, `${stage}-${round.replace(/\W+/g, '-')}.json`);
  await cdk(env, [
    'deploy',
    name,
    // moto runs a change set without creating its resources; a direct CreateStack does.
    '--method=direct',
    '--require-approval',
    'never',
    '--progress',
    'events',
    '--output',
    join(workDir, `cdk.out-${stage}`),
    '--outputs-file',
    outputsFile,
    ...contextArgs(stage),
  ]);
  await expectStatus(cloudformation, name, 'CREATE_COMPLETE');
  const all = JSON.parse(await readFile(outputsFile, 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const outputs = all[name] ?? {};
  await checkOutputs(outputs);
  return outputs;
};

let failed = false;
try {
  step('cdk bootstrap');
  await cdk(env, ['bootstrap', `aws://${ACCOUNT}/${REGION}`, ...contextArgs(STAGE)]);

  const first = await deploy(STAGE, 'first deploy');

  step(`cdk destroy ${stackName(STAGE)}`);
  await cdk(env, ['destroy', stackName(STAGE), '--force', ...contextArgs(STAGE)]);
  const afterDestroy = await stackStatus(cloudformation, stackName(STAGE));
  console.info(`${stackName(STAGE)}: ${afterDestroy}`);
  if (afterDestroy !== 'MISSING' && afterDestroy !== 'DELETE_COMPLETE') {
    throw new Error(`after cdk destroy the stack is ${afterDestroy}`);
  }
  // Informational: moto may or may not honour RetainExceptOnCreate on deletion.
  console.info(
    `table ${first.TableName} after cdk destroy: ${(await tableExists(first.TableName ?? '')) ? 'kept' : 'deleted'}`,
  );

  const second = await deploy(STAGE, 'second deploy');
  const beside = await deploy(SECOND_STAGE, 'second stage beside the first');

  step('summary');
  console.info(
    `resource types moto recorded but did not create:\n${notModelled()
      .map((type) => `  ${type}`)
      .join('\n')}`,
  );
  console.info(`outputs, first deploy:\n${JSON.stringify(first, null, 2)}`);
  console.info(`outputs, second deploy:\n${JSON.stringify(second, null, 2)}`);
  console.info(`outputs, stage ${SECOND_STAGE}:\n${JSON.stringify(beside, null, 2)}`);
  console.info(
    `\nREHEARSAL PASSED in ${elapsed()}: CREATE_COMPLETE twice for ${stackName(STAGE)} ` +
      `(with cdk destroy between), and once for ${stackName(SECOND_STAGE)} beside it.`,
  );
} catch (error) {
  failed = true;
  console.error(`\nREHEARSAL FAILED after ${elapsed()}:`, error);
} finally {
  for (const client of [cloudformation, dynamodb, sqs]) client.destroy();
  moto.kill('SIGTERM');
  await rm(workDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
