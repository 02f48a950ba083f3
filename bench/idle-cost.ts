import { readFile } from 'node:fs/promises';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as v from 'valibot';
import { parseSettings, stackName } from '../lib/cloud/settings.ts';
import { FulfillmentWebhooksStack } from '../lib/cloud/stack.ts';
import { CLOUDWATCH_FREE_TIER, IDLE_PRICES } from './prices.ts';
import { round } from './stats.ts';

/**
 * The fixed monthly cost of one stage with no traffic at all, read from the synthesized
 * template (what a deploy creates), priced with `IDLE_PRICES`: customer-managed KMS keys,
 * CloudWatch alarms and dashboards, the secrets the functions read, and the event source
 * mappings' empty long polls. Storage, logs and free tiers are left out of the totals; the
 * CloudWatch free tier is stated beside them. The dashboard is optional (`-c dashboard=false`),
 * so the stage is priced with it and without it.
 */

export interface IdleCost {
  /** The default stage (dashboard on), with no free tier. */
  readonly usdPerMonth: number;
  /** Each item's count and monthly cost, for the default stage. */
  readonly lines: Readonly<Record<string, { readonly count: number; readonly usd: number }>>;
  /** The stage deployed with `-c dashboard=false`, synthesized and priced on its own. */
  readonly usdPerMonthWithoutDashboard: number;
  /** The default stage in an account whose three free dashboards are not yet used. */
  readonly usdPerMonthWithFreeDashboard: number;
  /** CloudWatch's always-free tier, which the totals leave out, and where it is documented. */
  readonly freeTier: string;
}

const CdkJson = v.object({ context: v.record(v.string(), v.unknown()) });

/**
 * Synthesizes a stage with every option on (email and Slack), as a deploy would; `overrides`
 * change context on top.
 */
const synthesize = async (overrides: Record<string, unknown> = {}): Promise<Template> => {
  const cdkJson = v.parse(
    CdkJson,
    JSON.parse(await readFile(new URL('../cdk.json', import.meta.url), 'utf8')),
  );
  const context = {
    ...cdkJson.context,
    'aws:cdk:bundling-stacks': [],
    stage: 'idle',
    alertEmail: 'oncall@example.com',
    slack: true,
    ...overrides,
  };
  const app = new App({ context });
  const stack = new FulfillmentWebhooksStack(app, stackName('idle'), {
    settings: parseSettings(context),
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return Template.fromStack(stack);
};

const FunctionResource = v.object({
  Properties: v.object({
    Environment: v.optional(v.object({ Variables: v.record(v.string(), v.unknown()) })),
  }),
});

/** Prices the fixed monthly cost of one synthesized stage, line by line. */
const priceTemplate = (template: Template) => {
  const count = (type: string) => Object.keys(template.findResources(type)).length;
  // Secrets are created by the operator, not the stack: count the distinct ones functions read.
  const secrets = new Set<string>();
  for (const resource of Object.values(template.findResources('AWS::Lambda::Function'))) {
    const variables = v.parse(FunctionResource, resource).Properties.Environment?.Variables ?? {};
    for (const [name, value] of Object.entries(variables)) {
      if (name.endsWith('_SECRET_ID')) secrets.add(JSON.stringify(value));
    }
  }
  const mappings = count('AWS::Lambda::EventSourceMapping');
  const pollsPerMonth =
    mappings * IDLE_PRICES.pollersPerMapping * ((30 * 24 * 3600) / IDLE_PRICES.longPollSeconds);
  const lines = {
    kmsKeys: { count: count('AWS::KMS::Key'), unit: IDLE_PRICES.kmsKeyPerMonth },
    alarms: { count: count('AWS::CloudWatch::Alarm'), unit: IDLE_PRICES.alarmPerMonth },
    dashboards: { count: count('AWS::CloudWatch::Dashboard'), unit: IDLE_PRICES.dashboardPerMonth },
    secrets: { count: secrets.size, unit: IDLE_PRICES.secretPerMonth },
    emptyLongPolls: { count: Math.round(pollsPerMonth), unit: IDLE_PRICES.sqsPerRequest },
  };
  const priced = Object.fromEntries(
    Object.entries(lines).map(([name, line]) => [
      name,
      { count: line.count, usd: round(line.count * line.unit, 2) },
    ]),
  );
  const total = Object.values(priced).reduce((sum, line) => sum + line.usd, 0);
  return { total: round(total, 2), lines: priced };
};

export const measureIdleCost = async (): Promise<IdleCost> => {
  const withDashboard = priceTemplate(await synthesize());
  const withoutDashboard = priceTemplate(await synthesize({ dashboard: false }));
  const free = CLOUDWATCH_FREE_TIER;
  return {
    usdPerMonth: withDashboard.total,
    lines: withDashboard.lines,
    usdPerMonthWithoutDashboard: withoutDashboard.total,
    usdPerMonthWithFreeDashboard: round(
      withDashboard.total - (withDashboard.lines.dashboards?.usd ?? 0),
      2,
    ),
    freeTier:
      `CloudWatch's always-free tier covers an account's first ${free.dashboards} dashboards ` +
      `(up to ${free.metricsPerFreeDashboard} metrics each) and first ${free.alarmMetrics} ` +
      `alarm metrics, shared by every stage in the account and left out of these totals ` +
      `(${free.source}).`,
  };
};
