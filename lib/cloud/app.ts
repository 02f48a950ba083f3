import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Settings, SettingsError, settingsFromContext, stackName } from './settings.ts';
import { FulfillmentWebhooksStack } from './stack.ts';

/**
 * The CDK app: `npx cdk synth|deploy` runs this file (see cdk.json). Settings come from
 * context and are validated before anything is built; cdk-nag's AWS Solutions pack then
 * checks the synthesized stack, and an unacknowledged error fails synthesis.
 */
const app = new App();

let settings: Settings;
try {
  settings = settingsFromContext((key) => app.node.tryGetContext(key));
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  // A configuration mistake, not a bug: the message alone, no stack trace.
  console.error(`Error: ${error.message}`);
  process.exit(1);
}

// One stack per stage (`-c stage=prod`); CloudFormation names every resource after it.
new FulfillmentWebhooksStack(app, stackName(settings.stage), {
  description: `Webhook receiver for HappyColis fulfillment-service integrations (stage ${settings.stage})`,
  settings,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
