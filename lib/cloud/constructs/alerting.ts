import { Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import {
  Effect,
  type Grant,
  type IGrantable,
  PolicyStatement,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEVERITIES, type Severity } from '../../../functions/core/alerts.ts';
import {
  CHAT_CHANNELS,
  type ChatChannel,
  secretIdVariableOf,
} from '../../../functions/definitions/alert-channels.ts';
import {
  MIN_MAPPING_CONCURRENCY,
  notifierQueue,
} from '../../../functions/definitions/resources.ts';
import {
  DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
  DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
  DEFAULT_PENDING_TIMEOUT_HOURS,
} from '../../../functions/definitions/settings.ts';
import type { EventPipeline } from './event-pipeline.ts';
import type { IntegrationTable } from './integration-table.ts';
import {
  acknowledgeKeyActionWildcards,
  type FunctionDefaults,
  grantSecretValue,
  handlerEntry,
  LambdaFunction,
} from './lambda-function.ts';

/**
 * One record per invocation, but a `429` is waited out in place (up to three tries,
 * `Retry-After` capped at 10 s) and posts are spaced by the channel's pace: a minute covers that.
 */
const NOTIFIER_TIMEOUT = Duration.seconds(60);

/** One chat channel's path: topic → queue (retried, then dead-lettered) → notifier. */
export interface NotifierPath {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly notifier: LambdaFunction;
}

export interface AlertingProps {
  readonly table: IntegrationTable;
  /**
   * The stage's customer-managed key (the table's), which encrypts the topic. A key of our own
   * rather than SNS's AWS-managed one, because CloudWatch alarms can only publish to a topic
   * whose key policy lets them use the key; this construct adds that statement.
   */
  readonly key: Key;
  readonly functionDefaults: FunctionDefaults;
  /**
   * Address subscribed to the alerts topic (AWS sends it a confirmation link first).
   * @default - no email subscription
   */
  readonly alertEmail?: string;
  /**
   * Alert severities the email address receives.
   * @default every severity (`critical`, `warning`)
   */
  readonly alertEmailSeverities?: readonly Severity[];
  /**
   * The chat channels alerts are posted to, each from its own queue by its own notifier, at the
   * URL in the stage secret's field for it (`SLACK_WEBHOOK_URL`, …).
   * @default - none
   */
  readonly chatChannels?: readonly ChatChannel[];
  /** The stage secret, holding each chat channel's webhook URL. Required with `chatChannels`. */
  readonly stageSecret?: { readonly name: string; readonly secret: ISecret };
  /**
   * The stage, named by the operator commands alerts print (`npm run ops -- … --stage <stage>`).
   * @default - commands name no stage (the CLI's default, a local runtime)
   */
  readonly stage?: string;
  /**
   * An integration still PENDING after this long raises an alert.
   * @default 24 hours
   */
  readonly pendingTimeoutHours?: number;
  /**
   * How long the first alert of a group waits for others before the group's first message.
   * @default DEFAULT_ALERT_GROUP_WINDOW_SECONDS (30 s)
   */
  readonly alertGroupWindowSeconds?: number;
  /**
   * How long after a group's message its next one may go out.
   * @default DEFAULT_ALERT_GROUP_INTERVAL_SECONDS (300 s)
   */
  readonly alertGroupIntervalSeconds?: number;
  /**
   * How often the stuck-PENDING check runs.
   * @default 15 minutes
   */
  readonly pendingCheckInterval?: Duration;
}

/**
 * Where alerts go: the SNS alerts topic (KMS-encrypted, TLS only), its email subscription, a
 * path per chat channel (topic → queue → notifier, retried and dead-lettered), and the scheduled
 * stuck-PENDING check, which records its alerts in the ledger and schedules their group's
 * flush on the event queue (the processor publishes).
 */
export class Alerting extends Construct {
  readonly topic: Topic;
  /**
   * The alert settings every producer of alerts applies (processor, stuck-PENDING check): the
   * grouping (`ALERT_GROUP_WINDOW_SECONDS`, `ALERT_GROUP_INTERVAL_SECONDS`) and the stage the
   * commands in alerts name (`ALERT_OPS_STAGE`, `ALERT_OPS_REGION`).
   */
  readonly groupingEnvironment: Readonly<Record<string, string>>;
  /** The key of the topic: the stage's key, given in the props. */
  readonly key: Key;
  readonly pendingCheck: LambdaFunction;
  readonly schedule: Rule;
  /** The path of each chat channel deployed. */
  readonly notifiers: Partial<Record<ChatChannel, NotifierPath>> = {};

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);

    this.key = props.key;
    // CloudWatch alarms publish to the topic as the CloudWatch service, which must be able to
    // use the topic's key or every alarm notification is dropped. This is the form AWS
    // documents for alarms on an encrypted topic; it lets the service encrypt and decrypt data
    // keys, not read the table or the queues, which each need their own IAM permission too.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    // No physical name: CloudFormation derives one from the stack, so stages coexist.
    this.topic = new Topic(this, 'Topic', {
      // The sender name of alert emails: says which stage is talking.
      displayName: `Fulfillment integration alerts (${Stack.of(this).stackName})`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // `enforceSSL` gives the topic a policy, and a topic policy replaces SNS's default one: the
    // CloudWatch service, which publishes alarm notifications, must then be allowed by name or
    // every alarm is dropped. Only alarms of this account may use it.
    const { account, region, partition } = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );

    if (props.alertEmail) {
      this.topic.addSubscription(
        new EmailSubscription(props.alertEmail, {
          filterPolicy: emailFilterPolicy(props.alertEmailSeverities ?? SEVERITIES),
        }),
      );
    }

    const channels = props.chatChannels ?? [];
    if (channels.length > 0 && !props.stageSecret) {
      throw new Error('chat channels need the stage secret that holds their webhook URLs');
    }
    for (const channel of channels) {
      if (props.stageSecret)
        this.notifiers[channel] = this.#notifierPath(props, channel, props.stageSecret);
    }

    this.groupingEnvironment = {
      ALERT_GROUP_WINDOW_SECONDS: String(
        props.alertGroupWindowSeconds ?? DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
      ),
      ALERT_GROUP_INTERVAL_SECONDS: String(
        props.alertGroupIntervalSeconds ?? DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
      ),
      ...this.#opsEnvironment(props),
    };

    const pendingTimeoutHours = props.pendingTimeoutHours ?? DEFAULT_PENDING_TIMEOUT_HOURS;
    this.pendingCheck = new LambdaFunction(this, 'PendingCheck', {
      ...props.functionDefaults,
      entry: handlerEntry('pending-check'),
      description: `Alerts on integrations PENDING for more than ${pendingTimeoutHours} h`,
      // One Query page of the sparse index plus a ledger record (and maybe a flush message) per
      // stuck integration; a minute leaves room for a backlog after an outage, and the next run
      // is 15 minutes away.
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        TOPIC_ARN: this.topic.topicArn,
        PENDING_TIMEOUT_HOURS: String(pendingTimeoutHours),
        ...this.groupingEnvironment,
      },
    });
    props.table.grantPendingIndexQuery(this.pendingCheck.function);
    // Reads the integration and its history (Query on the table), records the incident in the
    // alert ledger (PutItem), reads and arms its group's head (GetItem, UpdateItem) and clears
    // index entries that moved on (UpdateItem). No sns:Publish: the processor publishes the
    // group's message when the flush it scheduled comes due.
    props.table.grantItemActions(
      this.pendingCheck.function,
      'GetItem',
      'Query',
      'PutItem',
      'UpdateItem',
    );

    this.schedule = new Rule(this, 'PendingCheckSchedule', {
      description: 'Runs the stuck-PENDING check',
      schedule: Schedule.rate(props.pendingCheckInterval ?? Duration.minutes(15)),
      // A missed run is made up by the next one; two retries cover a throttled invoke.
      targets: [
        new LambdaTarget(this.pendingCheck.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(10),
        }),
      ],
    });
  }

  /**
   * Lets the stuck-PENDING check schedule its groups' flushes on the event queue (`QUEUE_URL`,
   * `sqs:SendMessage` and the queue key's producer actions). The pipeline is built after this
   * construct (its processor needs the topic), so the stack connects the two afterwards.
   */
  sendFlushesTo(pipeline: EventPipeline): void {
    this.pendingCheck.function.addEnvironment('QUEUE_URL', pipeline.queue.queueUrl);
    pipeline.grantSend(this.pendingCheck.function);
  }

  /** `sns:Publish` on the alerts topic, with the key use that publishing to it requires. */
  grantPublish(grantee: IGrantable): Grant {
    const grant = this.topic.grantPublish(grantee);
    acknowledgeKeyActionWildcards(
      grantee,
      ['kms:GenerateDataKey*'],
      'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its ' +
        'key (SNS documentation; Topic.grantPublish).',
    );
    return grant;
  }

  /** The stage (and its region) the operator commands in alerts name. */
  #opsEnvironment(props: AlertingProps): Record<string, string> {
    return props.stage
      ? { ALERT_OPS_STAGE: props.stage, ALERT_OPS_REGION: Stack.of(this).region }
      : {};
  }

  #notifierPath(
    props: AlertingProps,
    channel: ChatChannel,
    stageSecret: { readonly name: string; readonly secret: ISecret },
  ): NotifierPath {
    const { label } = CHAT_CHANNELS[channel];
    // Alerts never carry an access token, so SQS-managed encryption is enough here, and the
    // topic needs no key grant to deliver into the queue.
    const deadLetterQueue = new Queue(this, `${label}DeadLetterQueue`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(notifierQueue.dlqRetentionSeconds),
    });
    const queue = new Queue(this, `${label}Queue`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS asks for ≥ 6× the consumer's timeout, so a retried batch never overlaps itself.
      visibilityTimeout: Duration.seconds(6 * NOTIFIER_TIMEOUT.toSeconds()),
      retentionPeriod: Duration.seconds(notifierQueue.retentionSeconds),
      // A failed post is retried (each retry after one visibility timeout) and then parked.
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: notifierQueue.maxReceiveCount },
    });

    this.topic.addSubscription(
      new SqsSubscription(queue, {
        // Everything: the application's alerts and CloudWatch alarm notifications (DLQ not
        // empty…), which the notifier renders too.
        rawMessageDelivery: true,
      }),
    );

    const notifier = new LambdaFunction(this, `${label}Notifier`, {
      ...props.functionDefaults,
      entry: handlerEntry('alerting/notifier'),
      description: `Posts alerts to ${label}`,
      timeout: NOTIFIER_TIMEOUT,
      memorySize: 256,
      // The channel's pace (Slack about one message per second per webhook) is kept in code,
      // by a gate in the table every container claims before posting, not by reserving
      // concurrency (which can fail a deploy in a small account).
      environment: {
        ALERT_CHANNEL: channel,
        // The stage secret; the notifier reads the channel's URL field from it.
        [secretIdVariableOf(channel)]: stageSecret.name,
        TABLE_NAME: props.table.table.tableName,
        // A CloudWatch alarm's alert is built here: its commands name the stage too.
        ...this.#opsEnvironment(props),
      },
    });
    notifier.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: notifierQueue.batchSize,
        reportBatchItemFailures: true,
        // Lambda's minimum: more would only wait at the pace gate.
        maxConcurrency: MIN_MAPPING_CONCURRENCY,
      }),
    );
    grantSecretValue(notifier.function, stageSecret.secret);
    // GetItem/UpdateItem: the alert ledger's claim and mark of the channel, and its shared
    // pace gate.
    props.table.grantItemActions(notifier.function, 'GetItem', 'UpdateItem');

    return { queue, deadLetterQueue, notifier };
  }
}

/**
 * Email gets every alert unless a subset of severities is chosen. CloudWatch alarm
 * notifications carry no message attributes, and SNS never matches an attribute filter (not
 * even `exists: false`) against a message without attributes, so with no filter alarms reach
 * email; with a subset they do not.
 */
export const emailFilterPolicy = (
  severities: readonly Severity[],
): Record<string, SubscriptionFilter> | undefined => {
  const wanted = new Set(severities);
  if (SEVERITIES.every((severity) => wanted.has(severity))) return undefined;
  return {
    severity: new SubscriptionFilter([
      ...SEVERITIES.filter((s) => wanted.has(s)),
      { exists: false },
    ]),
  };
};
