import { Duration, Stack } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { OPS_ROUTES } from '../../../functions/definitions/routes.ts';
import { RECONCILE_ROUTE_BUDGET_MS } from '../../../functions/happycolis/settings.ts';
import type { EventPipeline } from './event-pipeline.ts';
import type { IntegrationTable } from './integration-table.ts';
import { type FunctionDefaults, handlerEntry, LambdaFunction } from './lambda-function.ts';
import type { Reconciler } from './reconciler.ts';

export interface OpsApiProps {
  readonly api: HttpApi;
  readonly table: IntegrationTable;
  readonly pipeline: EventPipeline;
  readonly functionDefaults: FunctionDefaults;
  /** Reconcile on demand and webhook subscriptions: the writer calls HappyColis. */
  readonly reconciler?: Reconciler;
}

/** `GET /quarantine/{id}` → `{ method: 'GET', path: '/quarantine/{id}' }`. */
const split = (routeKey: string) => {
  const [method = '', path = ''] = routeKey.split(' ');
  return { method: method as keyof typeof HttpMethod, path };
};

/**
 * The operator routes on the HTTP API, every one behind IAM (SigV4). Reads (GET) and writes
 * (POST: replay, redrive) go to two functions with different permissions, and are separate
 * `execute-api:Invoke` resources, so an IAM policy can allow one side and not the other
 * (docs/operations.md, "Read and write, separately, with IAM", has both policies).
 */
export class OpsApi extends Construct {
  readonly reader: LambdaFunction;
  readonly writer: LambdaFunction;
  readonly routes: HttpRoute[] = [];
  readonly #api: HttpApi;

  constructor(scope: Construct, id: string, props: OpsApiProps) {
    super(scope, id);
    this.#api = props.api;
    const { table, pipeline } = props;
    const environment = {
      TABLE_NAME: table.table.tableName,
      QUEUE_URL: pipeline.queue.queueUrl,
      DEAD_LETTER_QUEUE_URL: pipeline.deadLetterQueue.queueUrl,
      DEAD_LETTER_QUEUE_ARN: pipeline.deadLetterQueue.queueArn,
    };
    const common = {
      ...props.functionDefaults,
      entry: handlerEntry('ops'),
      // A few index queries per page, or one SendMessage; an operator is waiting.
      timeout: Duration.seconds(15),
      memorySize: 256,
      environment,
    };
    this.reader = new LambdaFunction(this, 'Reader', {
      ...common,
      description: 'Operator read routes: integrations, quarantine, notices, DLQ (never a token)',
    });
    this.writer = new LambdaFunction(this, 'Writer', {
      ...common,
      description:
        'Operator write routes: quarantine replay, DLQ redrive, reconcile, HappyColis subscriptions',
      // `POST /reconcile` sweeps for its budget, then saves; inside API Gateway's 30 s.
      timeout: Duration.millis(RECONCILE_ROUTE_BUDGET_MS + 9_000),
      environment: {
        ...environment,
        ...(props.reconciler?.environment ?? {}),
      },
    });
    props.reconciler?.grantHappyColis(this.writer.function);

    // Reads: the list indexes, the quarantine items; the DLQ's depth, a sample, move tasks.
    table.grantFleetRead(this.reader.function);
    pipeline.deadLetterQueue.grant(
      this.reader.function,
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:ListMessageMoveTasks',
    );
    pipeline.key.grantDecrypt(this.reader.function);

    // Writes: mark a quarantine item replayed, send to the event queue, move the DLQ.
    table.grantItemActions(this.writer.function, 'GetItem', 'UpdateItem');
    pipeline.grantSend(this.writer.function);
    // What `StartMessageMoveTask` needs from its caller: read and delete on the DLQ, send on
    // the queue the messages return to (above), and the queues' key.
    pipeline.deadLetterQueue.grant(
      this.writer.function,
      'sqs:StartMessageMoveTask',
      'sqs:ListMessageMoveTasks',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
    );
    pipeline.key.grantDecrypt(this.writer.function);

    const readIntegration = new HttpLambdaIntegration('ReadIntegration', this.reader.function);
    const writeIntegration = new HttpLambdaIntegration('WriteIntegration', this.writer.function);
    for (const routeKey of Object.values(OPS_ROUTES)) {
      const { method, path } = split(routeKey);
      this.routes.push(
        ...props.api.addRoutes({
          path,
          methods: [HttpMethod[method]],
          integration: method === 'GET' ? readIntegration : writeIntegration,
          authorizer: new HttpIamAuthorizer(),
        }),
      );
    }
  }

  /**
   * The `execute-api:Invoke` resource of a route key, for identity policies:
   * `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>`; `{param}` is
   * matched by `*`.
   */
  invokeArn(routeKey: string): string {
    const { method, path } = split(routeKey);
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.#api.apiId,
      resourceName: `*/${method}${path.replace(/\{[^}]+\}/g, '*')}`,
    });
  }
}
