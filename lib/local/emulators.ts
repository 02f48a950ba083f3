import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';

/** Where the AWS APIs answer locally, and how to stop whatever was started for them. */
export interface Emulators {
  /** DynamoDB endpoint. */
  readonly dynamodbEndpoint: string;
  /** SQS and SNS endpoint (one server speaks both). */
  readonly messagingEndpoint: string;
  /** Whether this process started the emulators (false when `AWS_ENDPOINT_URL` was given). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** DynamoDB data lives in `<dataDir>/dynamodb` so it survives restarts. */
  readonly dataDir: string;
  /** An external endpoint (e.g. LocalStack) serving every API; when set nothing is started. */
  readonly endpoint?: string;
}

const LOOPBACK = '127.0.0.1';

const listen = (server: Server): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep sockets alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });

/**
 * Starts dynalite (LevelDB on disk) and fauxqs (in memory) on ephemeral loopback ports, or
 * starts nothing and points everything at `endpoint`.
 */
export const startEmulators = async (options: EmulatorOptions): Promise<Emulators> => {
  if (options.endpoint) {
    return {
      dynamodbEndpoint: options.endpoint,
      messagingEndpoint: options.endpoint,
      embedded: false,
      stop: async () => {},
    };
  }

  const dynamoPath = join(options.dataDir, 'dynamodb');
  await mkdir(dynamoPath, { recursive: true });
  // Tables become ACTIVE at once: the 500 ms CREATING default only slows start-up.
  const dynamo = dynalite({
    path: dynamoPath,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoAddress = await listen(dynamo);

  // buildApp rather than startFauxqs: startFauxqs binds 0.0.0.0, and a laptop emulator with
  // no authentication has no business listening on every interface.
  const fauxqs = buildApp({ logger: false });
  let messagingEndpoint: string;
  try {
    messagingEndpoint = await fauxqs.listen({ port: 0, host: LOOPBACK });
  } catch (error) {
    await close(dynamo);
    throw error;
  }

  return {
    dynamodbEndpoint: `http://${LOOPBACK}:${dynamoAddress.port}`,
    messagingEndpoint,
    embedded: true,
    stop: async () => {
      // Both are stopped even if one fails; a failure still surfaces, since a LevelDB left
      // open keeps its lock and the next start on the same DATA_DIR would fail.
      const results = await Promise.allSettled([fauxqs.close(), close(dynamo)]);
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
};
