import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/clients.ts';
import type { GroupTiming } from '../../functions/alerting/alert-groups.ts';
import { LOCAL_OPS, type OpsTarget } from '../../functions/alerting/domain/commands.ts';
import type { IntegrationStore } from '../../functions/core/ports.ts';
import { names, pipeline } from '../../functions/definitions/resources.ts';
import { OPS_ROUTES, ROUTES } from '../../functions/definitions/routes.ts';
import type { HappyColisSettings, ReconcileTiming } from '../../functions/happycolis/settings.ts';
import { wireIngest } from '../../functions/ingest/wiring.ts';
import { wireOps } from '../../functions/ops/wiring.ts';
import { wireProcessor } from '../../functions/processor/wiring.ts';
import { wireQuery } from '../../functions/query/wiring.ts';
import { wireHappyColis } from '../../functions/reconciler/wiring.ts';
import { type AlertConsumer, alertFanOut, printAlerts } from './alerts.ts';
import { bootstrap, LOCAL_ALERTS_QUEUE, type LocalResources } from './bootstrap.ts';
import { LocalDeadLetterQueue } from './dead-letters.ts';
import { type Emulators, releaseInFlight, startEmulators } from './emulators.ts';
import { type LocalHttpServer, startHttpServer } from './http-server.ts';
import { type ChatWebhooks, localNotifiers } from './notifiers.ts';
import { type LocalPendingCheck, startLocalPendingCheck } from './pending-check.ts';
import { type LocalReconciler, startLocalReconciler } from './reconciler.ts';
import { type SqsPoller, startSqsPoller } from './sqs-poller.ts';

/** The port `npm start` listens on, and the one `npm run ops` talks to, by default. */
const DEFAULT_PORT = 3000;

export interface LocalRuntimeOptions {
  /** HTTP port; `0` picks a free one. @default DEFAULT_PORT (3000, the ops CLI's default) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** DynamoDB data is kept under `<dataDir>/dynamodb`. */
  readonly dataDir: string;
  /** HappyColis client secrets; at least one (the ingest refuses to start without). */
  readonly happycolisSecrets: readonly string[];
  /** Bearer tokens for `/webhooks/delivery-errors`. */
  readonly webhookTokens: readonly string[];
  /** Use this endpoint (e.g. LocalStack) for every AWS API instead of embedded emulators. */
  readonly endpoint?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Overrides the cloud's visibility timeout so tests can watch retries. */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Who receives alerts delivered by the topic. Each gets SQS-shaped records, as each chat
   * notifier does in the cloud. @default a printer to `print`
   */
  readonly alertConsumers?: readonly AlertConsumer[];
  /** Wraps the store the processor uses; tests inject faults the emulators cannot produce. */
  readonly decorateProcessorStore?: (store: IntegrationStore) => IntegrationStore;
  /** Shortens the processor's alert leases, so tests can use a short visibility timeout. */
  readonly processorAlertLeaseMs?: number;
  /** The alert group window and interval. @default 30 s and 5 min, as in the cloud */
  readonly groupTiming?: GroupTiming;
  /** Logger handed to the handlers (Powertools, JSON lines). Silent when absent. */
  readonly handlerLogger?: Logger;
  /** Also posts every alert to these chat channels' webhooks, through their notifier handler. */
  readonly chatWebhooks?: ChatWebhooks;
  /** Runs the stuck-PENDING check on an interval, as the cloud's schedule does. */
  readonly pendingCheck?: {
    readonly intervalMs: number;
    readonly timeoutHours?: number | undefined;
  };
  /**
   * HappyColis's API (reconcile, webhook subscriptions): its settings and the sweep timing;
   * `reconcileTickMs` runs the reconciler on a tick, as the cloud's schedule does.
   */
  readonly happycolis?: {
    readonly settings: HappyColisSettings;
    readonly timing: ReconcileTiming;
    readonly reconcileTickMs?: number;
  };
  /** Where the runtime's own lines go. @default console.log */
  readonly print?: (line: string) => void;
}

export interface LocalRuntime {
  /** Base URL of the local API, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly region: string;
  readonly resources: LocalResources;
  readonly endpoints: { readonly dynamodb: string; readonly messaging: string };
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly document: DynamoDBDocumentClient;
    readonly sqs: SQSClient;
    readonly sns: SNSClient;
  };
  /** Stops HTTP, lets batches in flight finish, stops the pollers and the emulators. */
  stop(): Promise<void>;
}

/** Emulators accept any credentials; fixed ones keep the SDK from hunting for real ones. */
const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Assembles the same handlers the cloud runs over emulated AWS APIs: HTTP → ingest → SQS →
 * processor → DynamoDB, alerts → SNS → a local queue → stdout (and any other consumer).
 */
export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  const print = options.print ?? ((line: string) => console.log(line));
  const region = options.region ?? 'us-east-1';
  const emulators: Emulators = await startEmulators({
    dataDir: options.dataDir,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });

  const clientConfig = { region, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: emulators.dynamodbEndpoint });
  const document = createDocumentClient(dynamodb);
  const sqs = new SQSClient({ ...clientConfig, endpoint: emulators.messagingEndpoint });
  const sns = new SNSClient({ ...clientConfig, endpoint: emulators.messagingEndpoint });
  const destroyClients = () => {
    for (const client of [document, dynamodb, sqs, sns]) client.destroy();
  };

  const pollers: SqsPoller[] = [];
  let http: LocalHttpServer | undefined;
  let pendingCheck: LocalPendingCheck | undefined;
  let reconciler: LocalReconciler | undefined;
  const stopAll = async () => {
    await http?.stop();
    await pendingCheck?.stop();
    await reconciler?.stop();
    // Processor first: its last batches may still publish alerts for the alert poller.
    for (const poller of pollers) await poller.stop();
    destroyClients();
    await emulators.stop();
  };

  try {
    const resources = await bootstrap({
      dynamodb,
      sqs,
      sns,
      enableTtl: !emulators.embedded,
      ...(options.visibilityTimeoutSeconds !== undefined
        ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
        : {}),
    });
    if (emulators.embedded) {
      for (const [queueName, queueUrl] of [
        [names.queue, resources.queueUrl],
        [LOCAL_ALERTS_QUEUE, resources.alertsQueueUrl],
      ] as const) {
        const released = await releaseInFlight({
          messagingEndpoint: emulators.messagingEndpoint,
          sqs,
          queueName,
          queueUrl,
        });
        if (released > 0) {
          print(
            `${queueName}: ${released} message(s) left in flight by the last run, processed again`,
          );
        }
      }
    }
    const logger = options.handlerLogger;
    const ingest = wireIngest({
      sqs,
      queueUrl: resources.queueUrl,
      config: {
        happycolisSecrets: options.happycolisSecrets,
        webhookTokens: options.webhookTokens,
      },
      logger,
    });
    // The commands alerts print reach this runtime: the CLI's default address needs no --url.
    const port = options.port ?? DEFAULT_PORT;
    const opsTarget: OpsTarget =
      port === DEFAULT_PORT || port === 0 ? LOCAL_OPS : { url: `http://127.0.0.1:${port}` };
    const processor = wireProcessor({
      document,
      sns,
      tableName: resources.tableName,
      topicArn: resources.topicArn,
      sqs,
      queueUrl: resources.queueUrl,
      groupTiming: options.groupTiming,
      opsTarget,
      logger,
      decorateStore: options.decorateProcessorStore,
      alertLeaseMs: options.processorAlertLeaseMs,
    });
    const query = wireQuery({ document, tableName: resources.tableName, logger });
    const happycolisOptions = options.happycolis;
    const happycolis = happycolisOptions
      ? wireHappyColis({
          document,
          sqs,
          tableName: resources.tableName,
          queueUrl: resources.queueUrl,
          loadSettings: async () => happycolisOptions.settings,
          timing: happycolisOptions.timing,
          groupTiming: options.groupTiming,
          logger,
        })
      : undefined;
    const ops = wireOps({
      happycolis,
      document,
      sqs,
      tableName: resources.tableName,
      queueUrl: resources.queueUrl,
      deadLetters: new LocalDeadLetterQueue({
        client: sqs,
        deadLetterQueueUrl: resources.deadLetterQueueUrl,
        queueUrl: resources.queueUrl,
      }),
      logger,
    });

    pollers.push(
      startSqsPoller({
        name: 'processor',
        client: sqs,
        queueUrl: resources.queueUrl,
        queueArn: resources.queueArn,
        region,
        handler: processor,
        batchSize: pipeline.batchSize,
        // Concurrent batches, as the cloud's event source mapping allows parallel invocations.
        concurrency: pipeline.maxConcurrency,
        log: print,
      }),
      startSqsPoller({
        name: 'alerts',
        client: sqs,
        queueUrl: resources.alertsQueueUrl,
        queueArn: resources.alertsQueueArn,
        region,
        handler: alertFanOut([
          ...(options.alertConsumers ?? [printAlerts(print)]),
          ...localNotifiers({
            webhooks: options.chatWebhooks,
            ops: opsTarget,
            document,
            tableName: resources.tableName,
          }),
        ]),
        batchSize: pipeline.batchSize,
        log: print,
      }),
    );

    if (options.pendingCheck) {
      pendingCheck = startLocalPendingCheck({
        document,
        sqs,
        tableName: resources.tableName,
        queueUrl: resources.queueUrl,
        groupTiming: options.groupTiming,
        ...options.pendingCheck,
        print,
      });
    }

    if (happycolis && happycolisOptions?.reconcileTickMs !== undefined) {
      reconciler = startLocalReconciler({
        happycolis,
        tickMs: happycolisOptions.reconcileTickMs,
        print,
      });
    }

    http = await startHttpServer({
      host: options.host ?? '127.0.0.1',
      port,
      log: print,
      routes: [
        { routeKey: `POST ${ROUTES.happycolis}`, handler: ingest },
        { routeKey: `POST ${ROUTES.deliveryErrors}`, handler: ingest },
        { routeKey: `GET ${ROUTES.integration}`, handler: query },
        ...Object.values(OPS_ROUTES).map((routeKey) => ({ routeKey, handler: ops })),
      ],
    });

    let stopped: Promise<void> | undefined;
    return {
      url: http.url,
      region,
      resources,
      endpoints: { dynamodb: emulators.dynamodbEndpoint, messaging: emulators.messagingEndpoint },
      clients: { dynamodb, document, sqs, sns },
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
};
