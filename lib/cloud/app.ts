import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { checkAlertChannels, readDeployedChannels } from './alert-channels.ts';
import { SettingsError, stackName } from './settings.ts';
import { FulfillmentWebhooksStack } from './stack.ts';
import { CONTEXT_KEYS, resolveStageSettings, type StageSettings } from './stage-file.ts';

/**
 * The CDK app: `npx cdk synth|diff|deploy -c stage=<stage>` runs this file (see cdk.json). The
 * stage's settings come from `stages/<stage>.json`, overridden by context, and are validated
 * before anything is built. A deploy that would remove an alert channel the stage file or the
 * deployed stack has stops here, unless `-c allowChannelRemoval=true`. cdk-nag's AWS Solutions
 * pack then checks the synthesized stack, and an unacknowledged error fails synthesis.
 */
const app = new App();

/** A configuration mistake, not a bug: the message alone, no stack trace. */
const stop = (message: string): never => {
  console.error(`Error: ${message}`);
  process.exit(1);
};

let resolved: StageSettings;
try {
  resolved = resolveStageSettings(
    Object.fromEntries(CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)])),
  );
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  resolved = stop(error.message);
}
const { settings, file, allowChannelRemoval } = resolved;
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

const check = checkAlertChannels({
  stage: settings.stage,
  settings,
  ...(file ? { file } : {}),
  deployed: await readDeployedChannels({ stackName: stackName(settings.stage), account, region }),
  allowRemoval: allowChannelRemoval,
});
for (const note of check.notes) console.error(`Note: ${note}`);
if (check.refusal) stop(check.refusal);

// One stack per stage (`-c stage=prod`); CloudFormation names every resource after it.
new FulfillmentWebhooksStack(app, stackName(settings.stage), {
  description: `Webhook receiver for HappyColis fulfillment-service integrations (stage ${settings.stage})`,
  settings,
  env: { account, region },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
