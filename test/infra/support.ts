import { readFileSync } from 'node:fs';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { LambdaFunction } from '../../lib/cloud/constructs/lambda-function.ts';
import { parseSettings, stackName } from '../../lib/cloud/settings.ts';
import { FulfillmentWebhooksStack } from '../../lib/cloud/stack.ts';

/**
 * Shared helpers of the infra tests. Stacks are built with the context of cdk.json (feature
 * flags included, so tests see what `cdk synth` sees) and with bundling skipped.
 */

const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The context of cdk.json plus `overrides`, with asset bundling switched off. */
export const testContext = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...CDK_JSON.context,
  'aws:cdk:bundling-stacks': [],
  ...overrides,
});

/** An app whose context is `testContext(overrides)`. */
export const testApp = (overrides: Record<string, unknown> = {}): App =>
  new App({ context: testContext(overrides) });

/** A bare stack to put one construct in, in a fixed environment. */
export const bareStack = (): Stack =>
  new Stack(testApp(), 'TestStack', { env: { account: '123456789012', region: 'eu-west-3' } });

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: FulfillmentWebhooksStack;
  readonly template: Template;
}

/** The whole stack, built from context overrides the way lib/cloud/app.ts builds it. */
export const synthStack = (overrides: Record<string, unknown> = {}): SynthesizedStack => {
  const app = testApp(overrides);
  const settings = parseSettings(testContext(overrides));
  const stack = new FulfillmentWebhooksStack(app, stackName(settings.stage), {
    settings,
    env: { account: '123456789012', region: 'eu-west-3' },
  });
  return { app, stack, template: Template.fromStack(stack) };
};

/** Every option switched on: email, Slack, Teams, non-default numbers. */
export const FULL_OPTIONS = {
  alertEmail: 'oncall@example.com',
  slack: 'true',
  teams: 'true',
} as const;

/** Logical id of a construct's CloudFormation resource. */
export const logicalId = (construct: IConstruct): string => {
  const element = construct.node.defaultChild ?? construct;
  if (!CfnElement.isCfnElement(element)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  }
  return Stack.of(construct).getLogicalId(element);
};

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** The statements of a function role's default policy, as synthesized. */
export const roleStatements = (template: Template, fn: LambdaFunction): Statement[] => {
  const policy = fn.role.node.tryFindChild('DefaultPolicy');
  if (!policy) return [];
  const id = logicalId(policy);
  const resource = template.toJSON().Resources[id] as {
    Properties: { PolicyDocument: { Statement: Statement[] } };
  };
  return resource.Properties.PolicyDocument.Statement;
};

/** Every action a function role allows, each with the resources it applies to. */
export const allowedActions = (template: Template, fn: LambdaFunction): Map<string, unknown[]> => {
  const actions = new Map<string, unknown[]>();
  for (const statement of roleStatements(template, fn)) {
    if (statement.Effect !== 'Allow') continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of [statement.Action].flat()) {
      actions.set(action, [...(actions.get(action) ?? []), ...resources]);
    }
  }
  return actions;
};

/** `{ "Fn::GetAtt": [logicalId(construct), "Arn"] }`, how a resource's ARN is referenced. */
export const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

/** `{ Ref: logicalId(construct) }`. */
export const refOf = (construct: IConstruct) => ({ Ref: logicalId(construct) });

/** The synthesized properties of one construct's resource. */
export const propertiesOf = (template: Template, construct: IConstruct): Record<string, unknown> =>
  (template.toJSON().Resources[logicalId(construct)] as { Properties: Record<string, unknown> })
    .Properties;
