import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ROUTES } from '../../../functions/definitions/routes.ts';
import {
  DEFAULT_HAPPYCOLIS_THROTTLE_BURST_LIMIT,
  DEFAULT_HAPPYCOLIS_THROTTLE_RATE_LIMIT,
  DEFAULT_SECRET_MAX_AGE_SECONDS,
  DEFAULT_THROTTLE_BURST_LIMIT,
  DEFAULT_THROTTLE_RATE_LIMIT,
} from '../../../functions/definitions/settings.ts';
import type { EventPipeline } from './event-pipeline.ts';
import type { IntegrationTable } from './integration-table.ts';
import {
  type FunctionDefaults,
  grantSecretValue,
  handlerEntry,
  LambdaFunction,
} from './lambda-function.ts';

/** A secret referenced by name: the name goes to the function, the ARN into its policy. */
export interface NamedSecret {
  readonly name: string;
  readonly secret: ISecret;
}

export interface IngestApiProps {
  readonly pipeline: EventPipeline;
  readonly table: IntegrationTable;
  readonly functionDefaults: FunctionDefaults;
  /**
   * The stage secret, whose `HAPPYCOLIS_SECRETS` field holds the HappyColis client secrets (the
   * HMAC keys of `x-happycolis-webhook-signature`) and `WEBHOOK_TOKENS` the bearer tokens
   * accepted on the delivery-errors route.
   */
  readonly stageSecret: NamedSecret;
  /**
   * Steady-state requests per second of each route but HappyColis's (every route has a
   * bucket of its own, shared by all its callers).
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /**
   * Burst of requests of each route but HappyColis's.
   * @default 100
   */
  readonly throttleBurstLimit?: number;
  /**
   * The HappyColis route's own throttle, well above HappyColis's real rate, so anonymous load
   * must outrun it before HappyColis gets a 429.
   * @default 200 requests per second, burst 400
   */
  readonly happycolisThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Concurrency reserved for the ingest. Off by default: Lambda refuses a reservation that
   * leaves the account's unreserved minimum, which fails a deploy in a new account (quota 10).
   * @default none
   */
  readonly ingestReservedConcurrency?: number;
  /**
   * Longest time the ingest serves credentials without re-reading the stage secret.
   * @default 300
   */
  readonly secretMaxAgeSeconds?: number;
  /**
   * Retention of the access log group.
   * @default the function log retention
   */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * The HTTP API: two webhook routes into the ingest function, and an IAM-authorised read route
 * into the query function. The webhook routes carry no API-level authorizer on purpose: the
 * senders cannot sign AWS requests, so the ingest function authenticates every request itself
 * (HMAC signature for HappyColis, bearer token for delivery errors) and answers 401 otherwise.
 */
export class IngestApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly ingest: LambdaFunction;
  readonly query: LambdaFunction;
  /** The HappyColis route's own throttle, as deployed. */
  readonly happycolisThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** The webhook routes (anonymous callers), by route key. */
  readonly webhookRouteKeys: readonly string[];

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);

    this.ingest = new LambdaFunction(this, 'Ingest', {
      ...props.functionDefaults,
      entry: handlerEntry('ingest'),
      description: 'Authenticates webhooks and enqueues them',
      // Senders want an answer within 10 s; failing at 8 s still answers (5xx) in time, and
      // the normal path (HMAC, validation, one SendMessage) takes milliseconds.
      timeout: Duration.seconds(8),
      // HMAC and JSON parsing of bodies up to 256 KiB are CPU work on the sender's clock;
      // 256 MB gives twice the CPU of 128 MB for cold starts and large bodies.
      memorySize: 256,
      environment: {
        QUEUE_URL: props.pipeline.queue.queueUrl,
        // `<FIELD>_SECRET_ID` names the secret holding the field `<FIELD>`: the same stage
        // secret for both, re-read at most every SECRET_MAX_AGE_SECONDS.
        HAPPYCOLIS_SECRETS_SECRET_ID: props.stageSecret.name,
        WEBHOOK_TOKENS_SECRET_ID: props.stageSecret.name,
        SECRET_MAX_AGE_SECONDS: String(props.secretMaxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_SECONDS),
      },
    });
    if (props.ingestReservedConcurrency !== undefined) {
      (this.ingest.function.node.defaultChild as CfnFunction).reservedConcurrentExecutions =
        props.ingestReservedConcurrency;
    }
    props.pipeline.grantSend(this.ingest.function);
    grantSecretValue(this.ingest.function, props.stageSecret.secret);

    this.query = new LambdaFunction(this, 'Query', {
      ...props.functionDefaults,
      entry: handlerEntry('query'),
      description: 'Read-only views of integrations (never returns a token)',
      // A GetItem or one Query page; an operator is waiting at the other end.
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: { TABLE_NAME: props.table.table.tableName },
    });
    props.table.grantItemActions(this.query.function, 'GetItem', 'Query');

    this.api = new HttpApi(this, 'Api', {
      // API names need not be unique; the stack's name tells stages apart in the console.
      apiName: Stack.of(this).stackName,
      description: 'Fulfillment-integration webhooks',
      createDefaultStage: false,
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? props.functionDefaults.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttleRateLimit ?? DEFAULT_THROTTLE_RATE_LIMIT,
        burstLimit: props.throttleBurstLimit ?? DEFAULT_THROTTLE_BURST_LIMIT,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        // No headers and no body: they carry signatures and tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', this.ingest.function);
    const webhookRoutes: HttpRoute[] = [];
    for (const path of [ROUTES.happycolis, ROUTES.deliveryErrors]) {
      for (const route of this.api.addRoutes({
        path,
        methods: [HttpMethod.POST],
        integration: ingestIntegration,
      })) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Webhook senders (HappyColis, the fulfillment platform) cannot sign AWS requests or ' +
            'obtain JWTs. The ingest function authenticates every request itself before ' +
            'anything is enqueued: HMAC-SHA256 signature (x-happycolis-webhook-signature) on ' +
            'the HappyColis route, a Bearer token on the delivery-errors route; anything else ' +
            'gets 401. Per-route throttling bounds unauthenticated load (the HappyColis ' +
            'route has a bucket of its own), and an alarm reports its 429s.',
        });
        webhookRoutes.push(route);
      }
    }
    this.webhookRouteKeys = [ROUTES.happycolis, ROUTES.deliveryErrors].map(
      (path) => `POST ${path}`,
    );

    // The HappyColis route's own bucket, above the stage default every other route gets.
    // API Gateway refuses route settings for a route that does not exist yet: the stage waits
    // for the route.
    this.happycolisThrottle = props.happycolisThrottle ?? {
      rateLimit: DEFAULT_HAPPYCOLIS_THROTTLE_RATE_LIMIT,
      burstLimit: DEFAULT_HAPPYCOLIS_THROTTLE_BURST_LIMIT,
    };
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = {
      [`POST ${ROUTES.happycolis}`]: {
        ThrottlingRateLimit: this.happycolisThrottle.rateLimit,
        ThrottlingBurstLimit: this.happycolisThrottle.burstLimit,
      },
    };
    for (const route of webhookRoutes) this.stage.node.addDependency(route);
    this.api.addRoutes({
      path: ROUTES.integration,
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('QueryIntegration', this.query.function),
      authorizer: new HttpIamAuthorizer(),
    });
  }

  /** The stage's base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }
}
