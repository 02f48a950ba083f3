import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { OpsError } from './client.ts';

/** A deployed stage's stack outputs, by output key, read with the standard AWS credentials. */
export type StageOutputs = Readonly<Record<string, string>>;

/** The CloudFormation stack of a stage (as lib/cloud/settings.ts names it). */
const stackOf = (stage: string) => `FulfillmentWebhooks-${stage}`;

/**
 * Reads the outputs of stage `stage`'s stack. Every failure becomes an {@link OpsError} saying
 * what to do: no credentials, no region, no such stack.
 */
export const readStageOutputs = async (
  stage: string,
  region: string | undefined,
): Promise<StageOutputs> => {
  const stack = stackOf(stage);
  const client = new CloudFormationClient(region ? { region } : {});
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stack }));
    return Object.fromEntries(
      (Stacks[0]?.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'CredentialsProviderError') {
      throw new OpsError(
        'no AWS credentials found: set AWS_PROFILE, or run `aws configure` / `aws sso login`',
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'Region is missing') {
      throw new OpsError(
        `cannot tell which region holds stage ${stage}: pass --region, or set AWS_REGION (or a region in your AWS profile)`,
        { cause: error },
      );
    }
    if (/does not exist/.test(message)) {
      throw new OpsError(
        `no stack ${stack} in ${region ?? 'your default region'}: check the stage name and --region (deploy it with \`npx cdk deploy -c stage=${stage}\`)`,
        { cause: error },
      );
    }
    throw new OpsError(`cannot read stack ${stack}: ${message}`, { cause: error });
  } finally {
    client.destroy();
  }
};

/** One output of a stage, or an {@link OpsError} saying the stack must be deployed again. */
export const stageOutput = (outputs: StageOutputs, stage: string, key: string): string => {
  const value = outputs[key];
  if (value === undefined) {
    throw new OpsError(
      `stack ${stackOf(stage)} has no ${key} output: deploy it again with \`npx cdk deploy -c stage=${stage}\``,
    );
  }
  return value;
};
