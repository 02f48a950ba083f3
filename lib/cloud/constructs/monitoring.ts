import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CHAT_CHANNELS, type ChatChannel } from '../../../functions/definitions/alert-channels.ts';
import {
  notifierQueue,
  pipeline as pipelineDefinition,
} from '../../../functions/definitions/resources.ts';
import { METRICS_NAMESPACE } from '../../../functions/definitions/service.ts';
import { DEFAULT_CLIENT_ERROR_ALARM_THRESHOLD } from '../../../functions/definitions/settings.ts';
import type { Alerting, NotifierPath } from './alerting.ts';
import type { EventPipeline } from './event-pipeline.ts';
import type { IngestApi } from './ingest-api.ts';

export interface MonitoringProps {
  /** Where every alarm (and its recovery) is sent. */
  readonly topic: ITopic;
  readonly pipeline: EventPipeline;
  readonly api: IngestApi;
  readonly alerting: Alerting;
  /**
   * 4xx answers within 5 minutes that raise the client-error alarm. Some 4xx are normal (a
   * scanner, a stale subscription); a spike means a sender lost its secret or a token.
   * @default 50
   */
  readonly clientErrorThreshold?: number;
  /**
   * Age of the oldest queued message that raises the backlog alarm.
   * @default 5 minutes - normally messages leave the queue within seconds
   */
  readonly maxMessageAge?: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The processor's Powertools metric counting records it reported as failed. */
export const RECORDS_FAILED_METRIC = 'RecordsFailed';

/**
 * The alarms, each sent to the alerts topic on ALARM and on recovery. Missing data means "no
 * traffic", which is healthy, so it never breaches.
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];
  /** Counts processor invocations that reported at least one failed record (this stage only). */
  readonly failedRecordsFilter: MetricFilter;
  readonly #action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.#action = new SnsAction(props.topic);
    const { pipeline, api, alerting } = props;

    this.#alarm('DeadLetters', {
      metric: pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      description:
        `Integration events failed processing ${pipelineDefinition.maxReceiveCount} times and wait in the dead-letter queue. ` +
        'Read the processor logs for the cause, fix it, then redrive the DLQ to the queue.',
    });

    const maxMessageAge = props.maxMessageAge ?? FIVE_MINUTES;
    this.#alarm('QueueBacklog', {
      metric: pipeline.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: maxMessageAge.toSeconds(),
      evaluationPeriods: 3,
      description:
        `The oldest integration event has waited more than ${maxMessageAge.toHumanString()} ` +
        'for 3 minutes: the processor is failing, throttled, or cannot keep up.',
    });

    this.#alarm('ProcessorErrors', {
      metric: pipeline.processor.function.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      description:
        'The processor failed (crash, timeout or unhandled error); its records are retried ' +
        `and reach the DLQ after ${pipelineDefinition.maxReceiveCount} receives. See the processor log group.`,
    });

    // The processor reports failed records to SQS and returns normally, so Lambda's `Errors`
    // misses a batch in which every record failed (a missing permission, a table gone). Its
    // Powertools metric `RecordsFailed` says so, but under a namespace and service every stage
    // shares; the same figure read from this stage's processor log group (the metric's
    // embedded-metric-format line, one per invocation) is this stage's alone. A lone value
    // prints as a number, several as an array.
    this.failedRecordsFilter = new MetricFilter(this, 'FailedRecordsFilter', {
      logGroup: pipeline.processor.logGroup,
      filterPattern: FilterPattern.any(
        FilterPattern.numberValue(`$.${RECORDS_FAILED_METRIC}`, '>', 0),
        FilterPattern.numberValue(`$.${RECORDS_FAILED_METRIC}[0]`, '>', 0),
      ),
      metricNamespace: `${METRICS_NAMESPACE}/${Stack.of(this).stackName}`,
      metricName: 'InvocationsWithFailedRecords',
      metricValue: '1',
    });
    this.#alarm('ProcessorRecordsFailed', {
      metric: this.failedRecordsFilter.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      description:
        'The processor reported failed records (every record of a batch, or the same ones ' +
        'again): they are retried and reach the DLQ after ' +
        `${pipelineDefinition.maxReceiveCount} receives. A failure of every record usually means a ` +
        'permission, the table or the key is wrong. See the processor log group ' +
        '("record failed" lines).',
    });

    this.#alarm('PendingCheckErrors', {
      metric: alerting.pendingCheck.function.metricErrors({
        period: FIVE_MINUTES,
        statistic: 'Sum',
      }),
      threshold: 0,
      description:
        'The stuck-PENDING check failed: integrations stuck in PENDING are not being reported.',
    });

    this.#alarm('Api5xx', {
      metric: api.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      description:
        'The API answered 5xx: a sender did not get its 200. HappyColis then blocks that ' +
        "integration's queue until it is unblocked by hand. See the ingest logs.",
    });

    this.#alarm('Api4xxSpike', {
      metric: api.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: props.clientErrorThreshold ?? DEFAULT_CLIENT_ERROR_ALARM_THRESHOLD,
      description:
        'Many 4xx answers: a sender is probably using a wrong or rotated secret (401) or ' +
        'being throttled (429). Check the access logs by route and status.',
    });

    for (const [channel, path] of Object.entries(alerting.notifiers) as [
      ChatChannel,
      NotifierPath,
    ][]) {
      const { label } = CHAT_CHANNELS[channel];
      this.#alarm(`${label}DeadLetters`, {
        metric: path.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 0,
        description:
          `Alerts could not be posted to ${label} after ${notifierQueue.maxReceiveCount} attempts (webhook revoked, secret ` +
          `wrong, ${label} down). They were still emailed. See the ${label} notifier's logs.`,
      });
    }
  }

  #alarm(
    id: string,
    options: {
      metric: IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(this.#action);
    alarm.addOkAction(this.#action);
    this.alarms.push(alarm);
  }
}
