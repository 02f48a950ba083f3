import { Worker } from 'node:worker_threads';
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import type { EmulatorWorkerData, EmulatorWorkerReply } from './emulator-worker.ts';

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
  /**
   * DynamoDB data lives in `<dataDir>/dynamodb` (LevelDB), queues, in-flight messages, dead
   * letters and topics in `<dataDir>/messaging` (SQLite, written through on every change), so
   * both survive restarts, crashes and SIGKILL.
   */
  readonly dataDir: string;
  /** An external endpoint (e.g. LocalStack) serving every API; when set nothing is started. */
  readonly endpoint?: string;
  /** Keeps queues and topics in memory only (for tests that never restart). @default false */
  readonly inMemoryQueues?: boolean;
}

/** SQS's most entries per batch call. */
const SQS_BATCH_LIMIT = 10;

/** How soon a message the last run left in flight is visible again. */
const RELEASE_AFTER_SECONDS = 1;

const WORKER_URL = new URL('./emulator-worker.ts', import.meta.url);

interface EmulatorThread {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts one emulator on its own thread and waits until it listens. */
const startThread = (data: EmulatorWorkerData): Promise<EmulatorThread> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: data });
    const exited = new Promise<number>((done) => worker.once('exit', done));
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    worker.once('error', fail);
    worker.once('message', (reply: EmulatorWorkerReply) => {
      if (reply.type === 'failed') {
        fail(new Error(`the ${data.kind} emulator did not start: ${reply.message}`));
        return;
      }
      worker.off('error', fail);
      // An emulator that dies later shows in the handlers' errors; its reason goes here.
      worker.on('error', (error) => console.error(`${data.kind} emulator: ${error.message}`));
      let stopped: Promise<void> | undefined;
      resolve({
        endpoint: reply.endpoint,
        stop: () => {
          stopped ??= new Promise<void>((done, failStop) => {
            worker.on('message', (late: EmulatorWorkerReply) => {
              if (late.type === 'failed') failStop(new Error(`${data.kind}: ${late.message}`));
            });
            worker.postMessage('stop');
            void exited.then(() => done());
          });
          return stopped;
        },
      });
    });
  });

/**
 * Starts dynalite and fauxqs, each on its own worker thread, on ephemeral loopback ports, or
 * starts nothing and points everything at `endpoint`. Worker threads rather than processes:
 * whatever ends this process (SIGKILL included) ends the emulators with it, so no orphan keeps
 * the ports or the DATA_DIR locks.
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
  const inMemory = options.inMemoryQueues ?? false;
  const threads = await Promise.allSettled([
    startThread({ kind: 'dynamodb', dataDir: options.dataDir, inMemory }),
    startThread({ kind: 'messaging', dataDir: options.dataDir, inMemory }),
  ]);
  const [dynamo, messaging] = threads;
  if (dynamo.status === 'rejected' || messaging.status === 'rejected') {
    await Promise.allSettled(
      threads.flatMap((thread) => (thread.status === 'fulfilled' ? [thread.value.stop()] : [])),
    );
    throw dynamo.status === 'rejected'
      ? dynamo.reason
      : (messaging as PromiseRejectedResult).reason;
  }

  return {
    dynamodbEndpoint: dynamo.value.endpoint,
    messagingEndpoint: messaging.value.endpoint,
    embedded: true,
    stop: async () => {
      // Both are stopped even if one fails; a failure still surfaces, since a LevelDB left
      // open keeps its lock and the next start on the same DATA_DIR would fail.
      const results = await Promise.allSettled([messaging.value.stop(), dynamo.value.stop()]);
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
};

const InspectedQueueSchema = v.object({
  messages: v.object({
    inflight: v.array(v.object({ receiptHandle: v.string() })),
  }),
});

/**
 * Makes the messages a previous run had in flight visible again, and says how many. After a
 * crash or SIGKILL no poller of that run is left to finish or delete them; waiting out their
 * visibility timeout (minutes, as in the cloud) would only delay what was acknowledged. Only
 * for the embedded fauxqs, at start, before any poller of this run receives: its inspection
 * route lists in-flight messages with their receipt handles without changing anything.
 */
export const releaseInFlight = async (options: {
  readonly messagingEndpoint: string;
  readonly sqs: SQSClient;
  readonly queueName: string;
  readonly queueUrl: string;
}): Promise<number> => {
  const response = await fetch(
    `${options.messagingEndpoint}/_fauxqs/queues/${encodeURIComponent(options.queueName)}`,
  );
  if (!response.ok) {
    throw new Error(`cannot inspect queue ${options.queueName}: HTTP ${response.status}`);
  }
  const { inflight } = v.parse(InspectedQueueSchema, await response.json()).messages;
  for (let i = 0; i < inflight.length; i += SQS_BATCH_LIMIT) {
    const chunk = inflight.slice(i, i + SQS_BATCH_LIMIT);
    const { Failed = [] } = await options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: chunk.map(({ receiptHandle }, index) => ({
          Id: String(index),
          ReceiptHandle: receiptHandle,
          // Not 0: fauxqs 2.4.1 fails to persist a message made visible at once (it writes a
          // NULL receive count); one second later it comes back by its own timer.
          VisibilityTimeout: RELEASE_AFTER_SECONDS,
        })),
      }),
    );
    // A message whose visibility ran out meanwhile is already visible: nothing to do.
    const failure = Failed.find((entry) => entry.Code !== 'ReceiptHandleIsInvalid');
    if (failure) {
      throw new Error(`cannot release an in-flight message: ${failure.Code} ${failure.Message}`);
    }
  }
  return inflight.length;
};
