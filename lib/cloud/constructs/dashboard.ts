import { Duration, Stack } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  Metric,
  Stats,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { CHAT_CHANNELS, type ChatChannel } from '../../../functions/definitions/alert-channels.ts';
import { METRICS_NAMESPACE } from '../../../functions/definitions/service.ts';
import type { Alerting, NotifierPath } from './alerting.ts';
import type { EventPipeline } from './event-pipeline.ts';
import type { IngestApi } from './ingest-api.ts';

export interface OperationsDashboardProps {
  readonly api: IngestApi;
  readonly pipeline: EventPipeline;
  readonly alerting: Alerting;
  /** The stage's service name: the `service` dimension of its Powertools metrics. */
  readonly serviceName: string;
}

/** The processor's outcome metrics (Powertools), one line each on "events by outcome". */
export const OUTCOME_METRICS = [
  'EventsApplied',
  'EventsStale',
  'EventsDuplicate',
  'EventsAnomaly',
  'EventsIgnoredUnknownType',
  'PayloadsQuarantined',
  'DeliveryErrorNotices',
  'RecordsFailed',
] as const;

/**
 * The grouped-alert metrics (Powertools), with their dashboard labels: incidents recorded in the
 * ledger, group messages published, resolved notices, stuck-PENDING incidents.
 */
export const ALERT_METRICS = {
  AlertIncidents: 'incidents recorded',
  AlertMessagesPublished: 'group messages published',
  AlertsResolved: 'resolved notices recorded',
  StuckPendingAlerted: 'stuck-PENDING incidents',
} as const;

/** A chat notifier's metrics (Powertools, named after its channel), with their dashboard labels. */
export const notifierMetrics = (channel: ChatChannel) => {
  const { label } = CHAT_CHANNELS[channel];
  return {
    failed: { name: `${label}PostsFailed`, label: `${label} posts failed` },
    rateLimited: { name: `${label}RateLimited`, label: `${label} rate limited (429)` },
    posted: { name: `${label}Posted`, label: `${label} posted` },
  } as const;
};

const PERIOD = Duration.minutes(5);

/** A Powertools metric of one stage (its namespace, its `service` dimension). */
const stageMetric = (serviceName: string) => (metricName: string, label?: string) =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: serviceName },
    statistic: Stats.SUM,
    period: PERIOD,
    ...(label ? { label } : {}),
  });

/**
 * One CloudWatch dashboard per stage, for the first minutes of an incident: acknowledgements
 * and 4xx/5xx by route (from the access log, so per-route numbers cost no custom metrics),
 * events by outcome, queue age and DLQ depth, alerts sent, chat notifier failures, processor duration.
 *
 * The application metrics (Powertools) share one namespace across stages but carry this stage's
 * `service` dimension; the AWS metrics (API, queues, functions) are this stage's own.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { api, pipeline, alerting } = props;
    const notifiers = Object.entries(alerting.notifiers) as [ChatChannel, NotifierPath][];
    const appMetric = stageMetric(props.serviceName);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      // No fixed name: two stages in one account must not collide.
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });

    const byRoute = new LogQueryWidget({
      title: 'Requests by route and status (acks are 200 on the webhook routes)',
      logGroupNames: [api.accessLogGroup.logGroupName],
      view: LogQueryVisualizationType.TABLE,
      queryLines: [
        'fields routeKey, status',
        'stats count(*) as requests by routeKey, status',
        'sort routeKey asc, status asc',
      ],
      width: 12,
      height: 8,
    });

    const apiStatus = new GraphWidget({
      title: 'API requests, 4xx and 5xx',
      left: [
        api.api.metricCount({ period: PERIOD, statistic: Stats.SUM, label: 'requests' }),
        api.api.metricClientError({ period: PERIOD, statistic: Stats.SUM, label: '4xx' }),
        api.api.metricServerError({ period: PERIOD, statistic: Stats.SUM, label: '5xx' }),
      ],
      width: 12,
      height: 8,
    });

    const outcomes = new GraphWidget({
      title: 'Events by outcome',
      left: OUTCOME_METRICS.map((name) => appMetric(name)),
      stacked: true,
      width: 12,
      height: 6,
    });

    const queues = new GraphWidget({
      title: 'Queue age and dead letters',
      left: [
        pipeline.queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: Stats.MAXIMUM,
          label: 'oldest event waiting (s)',
        }),
      ],
      right: [
        pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: Stats.MAXIMUM,
          label: 'event DLQ depth',
        }),
        ...notifiers.map(([channel, path]) =>
          path.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: Stats.MAXIMUM,
            label: `${CHAT_CHANNELS[channel].label} DLQ depth`,
          }),
        ),
      ],
      width: 12,
      height: 6,
    });

    // Incidents against messages: during an outage many incidents make few messages.
    const alerts = new GraphWidget({
      title: 'Alerts sent',
      left: Object.entries(ALERT_METRICS).map(([name, label]) => appMetric(name, label)),
      right: [
        alerting.topic.metricNumberOfMessagesPublished({
          period: PERIOD,
          statistic: Stats.SUM,
          label: 'SNS messages published (incl. alarms)',
        }),
      ],
      width: 8,
      height: 6,
    });

    const chat = new GraphWidget({
      title: 'Chat notifier failures',
      left: notifiers.flatMap(([channel, path]) => {
        const metrics = notifierMetrics(channel);
        return [
          appMetric(metrics.failed.name, metrics.failed.label),
          appMetric(metrics.rateLimited.name, metrics.rateLimited.label),
          path.notifier.function.metricErrors({
            period: PERIOD,
            statistic: Stats.SUM,
            label: `${CHAT_CHANNELS[channel].label} notifier errors`,
          }),
        ];
      }),
      right: notifiers.map(([channel]) => {
        const { posted } = notifierMetrics(channel);
        return appMetric(posted.name, posted.label);
      }),
      width: 8,
      height: 6,
    });

    const processor = new GraphWidget({
      title: 'Processor duration (ms)',
      left: [Stats.p(50), Stats.p(99), Stats.MAXIMUM].map((statistic) =>
        pipeline.processor.function.metricDuration({ period: PERIOD, statistic }),
      ),
      right: [
        pipeline.processor.function.metricErrors({
          period: PERIOD,
          statistic: Stats.SUM,
          label: 'errors',
        }),
      ],
      width: 8,
      height: 6,
    });

    this.dashboard.addWidgets(byRoute, apiStatus);
    this.dashboard.addWidgets(outcomes, queues);
    this.dashboard.addWidgets(alerts, ...(notifiers.length > 0 ? [chat] : []), processor);
  }
}
