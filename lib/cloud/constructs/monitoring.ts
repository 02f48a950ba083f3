import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHAT_CHANNELS, type ChatChannel } from '../../../functions/definitions/alert-channels.ts';
import {
  DLQ_RETENTION_DAYS,
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
   * The data key (table, backups, queues). Disabling it or scheduling its deletion is recorded
   * and alarmed through a path that does not depend on it.
   */
  readonly dataKey?: IKey;
  /**
   * Age of the oldest queued message that raises the backlog alarm.
   * @default 5 minutes - normally messages leave the queue within seconds
   */
  readonly maxMessageAge?: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The hour (UTC) of the daily dead-letter reminder. */
export const DLQ_REMINDER_HOUR_UTC = 9;

/** The KMS calls that take the data key out of service. */
export const KEY_STOPPING_CALLS = ['DisableKey', 'ScheduleKeyDeletion'] as const;

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
  /** Counts 429 answers of the webhook routes (this stage's access log). */
  readonly webhookThrottledFilter: MetricFilter;
  /** CloudTrail's record of each call that disabled the data key or scheduled its deletion. */
  readonly keyEvents?: Queue;
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

    // An alarm notifies once, on its change of state: the reminder goes to ALARM again every
    // day at DLQ_REMINDER_HOUR_UTC while the DLQ holds anything (and back to OK an hour later,
    // silently), so a dead letter cannot sit unnoticed until SQS deletes it.
    this.#alarm('DeadLettersReminder', {
      metric: new MathExpression({
        expression: `IF(dlq > 0 AND HOUR(dlq) == ${DLQ_REMINDER_HOUR_UTC}, 1, 0)`,
        usingMetrics: {
          dlq: pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.hours(1),
            statistic: 'Maximum',
          }),
        },
        period: Duration.hours(1),
        label: 'Dead letters waiting, at the reminder hour',
      }),
      threshold: 0,
      okAction: false,
      description:
        `Daily reminder (${DLQ_REMINDER_HOUR_UTC}:00 UTC): integration events still wait in the ` +
        `dead-letter queue. SQS deletes each ${DLQ_RETENTION_DAYS} days after it was FIRST SENT ` +
        '(not after it reached the DLQ), so the oldest may have little time left. ' +
        '`npm run ops -- dlq show --stage <stage>` gives its age and the days left; fix the ' +
        'cause (processor logs), then `npm run ops -- dlq redrive --stage <stage>`.',
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

    const clientErrorThreshold = props.clientErrorThreshold ?? DEFAULT_CLIENT_ERROR_ALARM_THRESHOLD;
    this.#alarm('Api4xxSpike', {
      metric: api.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: clientErrorThreshold,
      description:
        `More than ${clientErrorThreshold} 4xx answers in 5 minutes. In the access log, group ` +
        'by route, status and ip: 401 from one sender means its secret or token was rotated ' +
        'or mistyped (run `npm run ops -- secrets check --stage <stage>`); 401 or 429 from ' +
        'unknown addresses means someone is probing or flooding the URL (see the ' +
        'WebhookThrottled alarm and docs/security.md, "Anonymous load").',
    });

    // 429s of the webhook routes, from this stage's access log: API Gateway's own 4xx metric
    // cannot tell a throttled HappyColis delivery from a scanner's 401.
    const { rateLimit, burstLimit } = api.happycolisThrottle;
    this.webhookThrottledFilter = new MetricFilter(this, 'WebhookThrottledFilter', {
      logGroup: api.accessLogGroup,
      filterPattern: FilterPattern.all(
        FilterPattern.stringValue('$.status', '=', '429'),
        FilterPattern.any(
          ...api.webhookRouteKeys.map((key) => FilterPattern.stringValue('$.routeKey', '=', key)),
        ),
      ),
      metricNamespace: `${METRICS_NAMESPACE}/${Stack.of(this).stackName}`,
      metricName: 'WebhookThrottled',
      metricValue: '1',
    });
    this.#alarm('WebhookThrottled', {
      metric: this.webhookThrottledFilter.metric({
        period: Duration.minutes(1),
        statistic: 'Sum',
      }),
      threshold: 0,
      description:
        'API Gateway answered 429 on a webhook route: its request budget was spent (HappyColis ' +
        `route: ${rateLimit} requests/s, burst ${burstLimit}; other routes: their stage ` +
        "default). HappyColis blocks an integration's queue on any non-2xx until its support " +
        'unblocks it. In the access log (status 429, by ip): a flood from unknown addresses ' +
        'calls for the edge filter (-c edgeFilter=true) or a higher happycolisThrottleRateLimit; ' +
        "HappyColis's own addresses call for a higher limit. Then ask HappyColis to unblock " +
        'the queues that got a 429 (docs/security.md, "Anonymous load").',
    });

    if (props.dataKey) this.keyEvents = this.#watchKey(props.dataKey);

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

  /**
   * KMS calls that stop the stage: `DisableKey` makes ingestion answer 503 (HappyColis blocks),
   * and queued events, the table and its backups unreadable; `ScheduleKeyDeletion` makes them
   * unrecoverable once the waiting period ends. CloudTrail hands each call to EventBridge; the
   * rule keeps it in a queue (who, when, from where) and the queue's depth raises an alarm, on
   * the alerts topic, whose own key this one does not touch. The alarm stays on until someone
   * has read the record and purged the queue.
   */
  #watchKey(key: IKey): Queue {
    const queue = new Queue(this, 'KeyEvents', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The queue is itself the record of key events, read by an operator; nothing consumes it, so nothing could dead-letter.',
    });
    new Rule(this, 'KeyDisabledRule', {
      description: 'The data key was disabled or scheduled for deletion',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: [...KEY_STOPPING_CALLS],
          resources: { ARN: [key.keyArn] },
        },
      },
      targets: [new SqsQueue(queue)],
    });
    this.#alarm('DataKeyDisabled', {
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      description:
        `The stage's data key was disabled or scheduled for deletion (${KEY_STOPPING_CALLS.join(', ')}). ` +
        'Ingestion answers 503 (HappyColis blocks its queues) and the table, its backups and ' +
        'queued events cannot be read; once deleted, never again. Undo it now: ' +
        '`aws kms enable-key` or `aws kms cancel-key-deletion` (then enable-key) on the key ' +
        'named in the KeyEvents queue message (who, when, from where). Then purge that queue ' +
        'to clear this alarm.',
    });
    return queue;
  }

  #alarm(
    id: string,
    options: {
      metric: IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      /** Also notify the recovery. @default true */
      okAction?: boolean;
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
    if (options.okAction ?? true) alarm.addOkAction(this.#action);
    this.alarms.push(alarm);
  }
}
