import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * One emulator on its own thread (see `emulators.ts`): the handlers' event loop and the
 * emulator's no longer queue behind each other, so the two cores both work. Loaded by Node
 * itself, with nothing but type stripping: erasable syntax only, and no project imports.
 */

/** What the worker is asked to start. */
export interface EmulatorWorkerData {
  readonly kind: 'dynamodb' | 'messaging';
  /** dynalite keeps `<dataDir>/dynamodb`, fauxqs `<dataDir>/messaging/fauxqs.db`. */
  readonly dataDir: string;
  /** Keeps queues and topics in memory instead of SQLite. */
  readonly inMemory: boolean;
}

/** What the worker answers once: where it listens, or why it could not start. */
export type EmulatorWorkerReply =
  | { readonly type: 'ready'; readonly endpoint: string }
  | { readonly type: 'failed'; readonly message: string };

const LOOPBACK = '127.0.0.1';

interface Running {
  readonly endpoint: string;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

const startDynalite = async (dataDir: string): Promise<Running> => {
  const { default: dynalite } = await import('dynalite');
  const path = join(dataDir, 'dynamodb');
  await mkdir(path, { recursive: true });
  // Tables become ACTIVE at once: the 500 ms CREATING default only slows start-up.
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const address = await listen(server);
  return {
    endpoint: `http://${LOOPBACK}:${address.port}`,
    // dynalite closes its LevelDB (and so releases the DATA_DIR lock) with the server.
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep sockets alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
};

/**
 * The parts of fauxqs that `startFauxqs` assembles for persistence. `startFauxqs` itself
 * binds every interface, and an emulator with no authentication has no business listening
 * beyond loopback, so the same assembly is done here around `buildApp` (fauxqs is pinned to
 * an exact version for this; the restart tests prove the wiring).
 */
interface FauxqsStores {
  readonly sqsStore: { allQueues(): Iterable<{ persistence: unknown }>; persistence: unknown };
  readonly snsStore: { persistence: unknown };
  readonly s3Store: { persistence: unknown };
}

const fauxqsModule = (name: string): Promise<Record<string, new (...args: never[]) => unknown>> =>
  import(new URL(name, import.meta.resolve('fauxqs')).href);

const persistentStores = async (dataDir: string) => {
  const [{ SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }] = await Promise.all([
    fauxqsModule('./sqs/sqsStore.js'),
    fauxqsModule('./sns/snsStore.js'),
    fauxqsModule('./s3/s3Store.js'),
    fauxqsModule('./persistence.js'),
  ]);
  if (!SqsStore || !SnsStore || !S3Store || !PersistenceManager) {
    throw new Error('this fauxqs version does not expose the stores its persistence needs');
  }
  const stores = {
    sqsStore: new SqsStore(),
    snsStore: new SnsStore(),
    s3Store: new S3Store(),
  } as FauxqsStores;
  const persistence = new PersistenceManager(join(dataDir, 'messaging') as never) as {
    readonly db: { exec(sql: string): void };
    load(...stores: unknown[]): void;
    close(): void;
  };
  // fauxqs leaves SQLite's default, an fsync per change: about 3 ms each here, three changes
  // per event (sent, received, deleted), which capped the laptop at about 100 events/s. In
  // WAL mode NORMAL still writes every change to the file before answering, so what was
  // acknowledged survives the process dying (crash, SIGKILL); only a power cut or an OS crash
  // can lose the last changes, as with dynalite, which does not fsync either.
  persistence.db.exec('PRAGMA synchronous = NORMAL');
  // As startFauxqs does: load first, then write through on every change.
  persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  stores.sqsStore.persistence = persistence;
  stores.snsStore.persistence = persistence;
  stores.s3Store.persistence = persistence;
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence;
  return { stores, persistence };
};

const startFauxqs = async (dataDir: string, inMemory: boolean): Promise<Running> => {
  const { buildApp } = await import('fauxqs');
  const persistent = inMemory ? undefined : await persistentStores(dataDir);
  const app = buildApp({
    logger: false,
    ...(persistent ? { stores: persistent.stores as never } : {}),
  });
  if (persistent) app.addHook('preClose', () => persistent.persistence.close());
  const endpoint = await app.listen({ port: 0, host: LOOPBACK });
  return { endpoint, close: () => app.close() };
};

const { kind, dataDir, inMemory } = workerData as EmulatorWorkerData;
const port = parentPort;
if (!port) throw new Error('emulator-worker.ts runs as a worker thread');

const started = (
  kind === 'dynamodb' ? startDynalite(dataDir) : startFauxqs(dataDir, inMemory)
).then(
  (running) => {
    port.postMessage({ type: 'ready', endpoint: running.endpoint } satisfies EmulatorWorkerReply);
    return running;
  },
  (error: unknown) => {
    port.postMessage({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies EmulatorWorkerReply);
    return undefined;
  },
);

// 'stop': close cleanly (LevelDB and SQLite flushed and unlocked), then let the thread end.
port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  void started
    .then((running) => running?.close())
    .then(
      () => port.close(),
      (error: unknown) => {
        port.postMessage({ type: 'failed', message: String(error) } satisfies EmulatorWorkerReply);
        port.close();
      },
    );
});
