import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  GraphWidget,
  type IWidget,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../../functions/definitions/service.ts';
import {
  DEFAULT_HAPPYCOLIS_API_RATE,
  DEFAULT_HAPPYCOLIS_API_URL,
  DEFAULT_RECONCILE_GRACE_MINUTES,
  DEFAULT_RECONCILE_INTERVAL_MINUTES,
  HAPPYCOLIS_CREDENTIAL_FIELDS,
} from '../../../functions/happycolis/settings.ts';
import {
  RECONCILER_MEMORY_MB,
  RECONCILER_TIMEOUT_SECONDS,
} from '../../../functions/reconciler/cost.ts';
import type { EventPipeline } from './event-pipeline.ts';
import type { IntegrationTable } from './integration-table.ts';
import {
  type FunctionDefaults,
  grantSecretValue,
  handlerEntry,
  LambdaFunction,
} from './lambda-function.ts';

export interface ReconcilerProps {
  readonly table: IntegrationTable;
  readonly pipeline: EventPipeline;
  /** Alarms publish here. */
  readonly topic: ITopic;
  readonly functionDefaults: FunctionDefaults;
  /** The stage secret: its `HAPPYCOLIS_CLIENT_ID`, `…_CLIENT_SECRET`, `…_ORGANIZATION_IDS` fields. */
  readonly stageSecret: { readonly name: string; readonly secret: ISecret };
  /** Alert grouping environment (window and interval), shared with the other alerting functions. */
  readonly groupingEnvironment: Readonly<Record<string, string>>;
  /** @default 60 */
  readonly intervalMinutes?: number;
  /** @default 15 */
  readonly graceMinutes?: number;
  /** Requests per second to HappyColis. @default 5 */
  readonly apiRate?: number;
  /** @default https://api-v3.happycolis.com */
  readonly apiUrl?: string;
}

/**
 * Longest run: Lambda's maximum. At 5 requests/s one run checks about 4,400 locations; a
 * bigger fleet's sweep goes on in the next runs, each resuming where the last stopped.
 */
export const RECONCILER_TIMEOUT = Duration.seconds(RECONCILER_TIMEOUT_SECONDS);

/** The schedule ticks at least this often, so an interrupted sweep resumes soon. */
export const RECONCILE_TICK_MAX_MINUTES = 10;

/**
 * The scheduled reconciler: compares our integrations with HappyColis's API, records what it
 * observed, and raises drift alerts through the alert ledger. Also what the operator's write
 * function needs to reconcile on demand and manage webhook subscriptions (`grantHappyColis`).
 */
export class Reconciler extends Construct {
  readonly reconciler: LambdaFunction;
  readonly schedule: Rule;
  readonly failureAlarm: Alarm;
  /** The environment a function calling HappyColis reads (names only, never values). */
  readonly environment: Readonly<Record<string, string>>;
  readonly #props: ReconcilerProps;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    this.#props = props;
    const intervalMinutes = props.intervalMinutes ?? DEFAULT_RECONCILE_INTERVAL_MINUTES;
    this.environment = {
      ...Object.fromEntries(
        HAPPYCOLIS_CREDENTIAL_FIELDS.map((field) => [`${field}_SECRET_ID`, props.stageSecret.name]),
      ),
      HAPPYCOLIS_API_URL: props.apiUrl ?? DEFAULT_HAPPYCOLIS_API_URL,
      HAPPYCOLIS_API_RATE: String(props.apiRate ?? DEFAULT_HAPPYCOLIS_API_RATE),
      RECONCILE_INTERVAL_MINUTES: String(intervalMinutes),
      RECONCILE_GRACE_MINUTES: String(props.graceMinutes ?? DEFAULT_RECONCILE_GRACE_MINUTES),
    };
    this.reconciler = new LambdaFunction(this, 'Reconciler', {
      ...props.functionDefaults,
      entry: handlerEntry('reconciler'),
      description: `Compares integrations with HappyColis's API every ${intervalMinutes} min; alerts on drift`,
      timeout: RECONCILER_TIMEOUT,
      // Mostly waiting on HappyColis at our own pace; the fleet list is the only bulk in memory.
      memorySize: RECONCILER_MEMORY_MB,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        QUEUE_URL: props.pipeline.queue.queueUrl,
        ...props.groupingEnvironment,
        ...this.environment,
      },
    });
    this.grantHappyColis(this.reconciler.function);

    const tick = Math.min(intervalMinutes, RECONCILE_TICK_MAX_MINUTES);
    this.schedule = new Rule(this, 'Schedule', {
      description: `Runs the reconciler every ${tick} min: a sweep starts every ${intervalMinutes} min, an interrupted one resumes`,
      schedule: Schedule.rate(Duration.minutes(tick)),
      // A missed tick is made up by the next one; two retries cover a throttled invoke.
      targets: [
        new LambdaTarget(this.reconciler.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(tick),
        }),
      ],
    });

    // A run fails when it could not check some locations (HappyColis down, credentials
    // refused, a scope missing) or crashed: said once per hour of failures.
    this.failureAlarm = new Alarm(this, 'FailureAlarm', {
      alarmDescription:
        'The reconciler failed or could not check some locations at HappyColis: see its log (and `npm run ops -- reconcile status`). Check the HappyColis credentials and scopes in the stage secret, and HappyColis status.',
      metric: this.reconciler.function.metricErrors({
        period: Duration.hours(1),
        statistic: Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failureAlarm.addAlarmAction(new SnsAction(props.topic));
    this.failureAlarm.addOkAction(new SnsAction(props.topic));
  }

  /**
   * What calling HappyColis from the table takes: read the stage secret; list the fleet (the
   * list indexes, `BatchGetItem`); record observations, the sweep, alert incidents and
   * subscriptions (`GetItem`, `Query`, `PutItem`, `UpdateItem`, `DeleteItem`); schedule alert
   * flushes on the event queue.
   */
  grantHappyColis(grantee: IGrantable): void {
    const { table, pipeline, stageSecret } = this.#props;
    grantSecretValue(grantee, stageSecret.secret);
    table.grantFleetRead(grantee);
    table.grantItemActions(grantee, 'GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem');
    pipeline.grantSend(grantee);
  }

  /** The dashboard row: locations checked, disagreements, not checked; runs and errors. */
  dashboardRow(serviceName: string): IWidget[] {
    const metric = (metricName: string, label: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: serviceName },
        statistic: Stats.SUM,
        period: Duration.hours(1),
        label,
      });
    return [
      new GraphWidget({
        title: 'Reconcile with HappyColis (per hour)',
        left: [
          metric('ReconcileChecked', 'integrations checked'),
          metric('ReconcileDisagreements', 'disagreements'),
          metric('ReconcileUnchecked', 'locations not checked'),
        ],
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Reconciler runs',
        left: [
          this.reconciler.function.metricInvocations({ period: Duration.hours(1), label: 'runs' }),
          this.reconciler.function.metricErrors({
            period: Duration.hours(1),
            label: 'failed runs',
          }),
        ],
        right: [
          this.reconciler.function.metricDuration({
            period: Duration.hours(1),
            statistic: Stats.MAXIMUM,
            label: 'longest run (ms)',
          }),
        ],
        width: 12,
        height: 6,
      }),
    ];
  }
}
