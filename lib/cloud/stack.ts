import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import { pipeline as pipelineDefinition } from '../../functions/definitions/resources.ts';
import { ROUTES } from '../../functions/definitions/routes.ts';
import { stageServiceName } from '../../functions/definitions/service.ts';
import { ALERT_CHANNELS_OUTPUT, alertChannelsOf, formatAlertChannels } from './alert-channels.ts';
import { Alerting } from './constructs/alerting.ts';
import { OperationsDashboard } from './constructs/dashboard.ts';
import { EventPipeline } from './constructs/event-pipeline.ts';
import { IngestApi } from './constructs/ingest-api.ts';
import { IntegrationTable } from './constructs/integration-table.ts';
import type { FunctionDefaults } from './constructs/lambda-function.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { OpsApi } from './constructs/ops-api.ts';
import { Reconciler } from './constructs/reconciler.ts';
import type { Settings } from './settings.ts';

export interface FulfillmentWebhooksStackProps extends StackProps {
  /** Validated deployment settings (see lib/cloud/settings.ts). */
  readonly settings: Settings;
}

/**
 * The whole receiver: table, alerting, event pipeline, HTTP API and alarms. It composes the
 * constructs and owns nothing else but the secret references and the outputs.
 */
export class FulfillmentWebhooksStack extends Stack {
  readonly table: IntegrationTable;
  readonly alerting: Alerting;
  readonly pipeline: EventPipeline;
  readonly api: IngestApi;
  readonly monitoring: Monitoring;
  readonly ops: OpsApi;
  readonly reconciler: Reconciler;
  /** Absent when deployed with `-c dashboard=false`. */
  readonly dashboard?: OperationsDashboard;

  constructor(scope: Construct, id: string, props: FulfillmentWebhooksStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // No stage tag of our own: CloudFormation tags what it creates with
    // `aws:cloudformation:stack-name`, which carries the stage.

    const functionDefaults: FunctionDefaults = {
      // The settings schema only admits values CloudWatch Logs accepts, which are the
      // enum's values.
      logRetention: settings.logRetentionDays as RetentionDays,
      logLevel: settings.logLevel,
      serviceName: stageServiceName(settings.stage),
    };

    // Created by the operator before the first deploy (docs/deploy.md, "Create the stage
    // secret"); the template holds only its name, never a value. One secret for every
    // credential, because each secret costs a monthly fee.
    const stageSecret = {
      name: settings.secretName,
      secret: Secret.fromSecretNameV2(this, 'StageSecret', settings.secretName),
    };

    this.table = new IntegrationTable(this, 'Integrations', {
      listIndexes: settings.listIndexes,
    });

    // One customer-managed key for the whole stage, the table's: the queues and the topic need
    // one too (access tokens in the queue; CloudWatch alarms publishing to the topic), and each
    // key costs a monthly fee.
    const key = this.table.key;

    this.alerting = new Alerting(this, 'Alerting', {
      table: this.table,
      key,
      functionDefaults,
      alertEmail: settings.alertEmail,
      alertEmailSeverities: settings.alertEmailSeverities,
      chatChannels: CHAT_CHANNEL_NAMES.filter((channel) => settings[channel]),
      stageSecret,
      stage: settings.stage,
      pendingTimeoutHours: settings.pendingTimeoutHours,
      alertGroupWindowSeconds: settings.alertGroupWindowSeconds,
      alertGroupIntervalSeconds: settings.alertGroupIntervalSeconds,
    });

    this.pipeline = new EventPipeline(this, 'Pipeline', {
      table: this.table,
      key,
      alerting: this.alerting,
      functionDefaults,
      processorMaxConcurrency: settings.processorMaxConcurrency,
    });
    this.alerting.sendFlushesTo(this.pipeline);

    this.api = new IngestApi(this, 'Api', {
      pipeline: this.pipeline,
      table: this.table,
      functionDefaults,
      stageSecret,
      throttleRateLimit: settings.throttleRateLimit,
      throttleBurstLimit: settings.throttleBurstLimit,
    });

    this.reconciler = new Reconciler(this, 'Reconciler', {
      table: this.table,
      pipeline: this.pipeline,
      topic: this.alerting.topic,
      functionDefaults,
      stageSecret,
      groupingEnvironment: this.alerting.groupingEnvironment,
      intervalMinutes: settings.reconcileIntervalMinutes,
      graceMinutes: settings.reconcileGraceMinutes,
      apiRate: settings.happycolisApiRate,
      apiUrl: settings.happycolisApiUrl,
    });

    this.ops = new OpsApi(this, 'Ops', {
      api: this.api.api,
      table: this.table,
      pipeline: this.pipeline,
      functionDefaults,
      reconciler: this.reconciler,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      topic: this.alerting.topic,
      pipeline: this.pipeline,
      api: this.api,
      alerting: this.alerting,
      clientErrorThreshold: settings.clientErrorAlarmThreshold,
    });

    if (settings.dashboard) {
      this.dashboard = new OperationsDashboard(this, 'Dashboard', {
        api: this.api,
        pipeline: this.pipeline,
        alerting: this.alerting,
        serviceName: functionDefaults.serviceName,
      });
      this.dashboard.dashboard.addWidgets(
        ...this.reconciler.dashboardRow(functionDefaults.serviceName),
      );
      new CfnOutput(this, 'DashboardName', {
        description: 'CloudWatch operations dashboard of this stage (absent with dashboard: false)',
        value: this.dashboard.dashboard.dashboardName,
      });
    }

    const url = (path: string) => `${this.api.url}${path.replace(/^\//, '')}`;
    new CfnOutput(this, 'HappyColisWebhookUrl', {
      description: 'Webhook subscription URL to register in HappyColis',
      value: url(ROUTES.happycolis),
    });
    new CfnOutput(this, 'DeliveryErrorsWebhookUrl', {
      description: 'Error endpoint to register with the fulfillment platform (Bearer token)',
      value: url(ROUTES.deliveryErrors),
    });
    new CfnOutput(this, 'QueryUrl', {
      description: 'GET with SigV4 (IAM); replace {id} with an integration id',
      value: url(ROUTES.integration),
    });
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the HTTP API; `npm run ops -- --stage <stage>` reads it',
      value: this.api.url,
    });
    new CfnOutput(this, 'AlertsTopicArn', {
      description: 'SNS topic of alerts and alarms; subscribe more endpoints here',
      value: this.alerting.topic.topicArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table of integrations (retained on stack deletion)',
      value: this.table.table.tableName,
    });
    new CfnOutput(this, 'StageSecretName', {
      description:
        'Secrets Manager secret holding the stage credentials (created before the first deploy)',
      value: settings.secretName,
    });
    // The next deploy compares its channels with these and stops before removing one.
    new CfnOutput(this, ALERT_CHANNELS_OUTPUT, {
      description: 'Alert channels this deploy set up (email:<address>, slack, ...)',
      value: formatAlertChannels(alertChannelsOf(settings)),
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: `Events that failed processing ${pipelineDefinition.maxReceiveCount} times; redrive after fixing the cause`,
      value: this.pipeline.deadLetterQueue.queueUrl,
    });
  }
}
