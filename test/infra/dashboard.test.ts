import { beforeAll, describe, expect, it } from 'vitest';
import { CLOUDWATCH_FREE_TIER } from '../../bench/prices.ts';
import {
  ALERT_METRICS,
  notifierMetrics,
  OUTCOME_METRICS,
} from '../../lib/cloud/constructs/dashboard.ts';
import {
  FULL_OPTIONS,
  logicalId,
  propertiesOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

/** How many resources of each type, `Dashboard` for the dashboard. */
const resourceTypes = (stack: SynthesizedStack): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(stack.template.toJSON().Resources)) {
    const type = (resource as { Type: string }).Type.replace('AWS::CloudWatch::', '');
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
};

interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title: string;
    readonly metrics?: unknown[][];
    readonly query?: string;
  };
}

describe('OperationsDashboard', () => {
  let synth: SynthesizedStack;
  let widgets: Widget[];

  beforeAll(() => {
    synth = synthStack(FULL_OPTIONS);
    const dashboard = synth.stack.dashboard;
    if (!dashboard) throw new Error('the dashboard is on by default');
    const body = propertiesOf(synth.template, dashboard.dashboard).DashboardBody;
    // The body is a Fn::Join of literal JSON and references; stand each reference in by its
    // logical id so the JSON can be read.
    const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) =>
      typeof part === 'string' ? part : JSON.stringify(part).replace(/"/g, "'"),
    );
    widgets = (JSON.parse(parts.join('')) as { widgets: Widget[] }).widgets;
  });

  const widget = (title: RegExp) => {
    const found = widgets.find((one) => title.test(one.properties.title));
    if (!found) throw new Error(`no widget titled ${title}`);
    return found;
  };
  const text = (one: Widget) => JSON.stringify(one.properties);

  it('is left out with -c dashboard=false, alarms and all else unchanged', () => {
    const without = synthStack({ ...FULL_OPTIONS, dashboard: 'false' });
    expect(without.stack.dashboard).toBeUndefined();
    without.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(without.template.toJSON().Outputs).not.toHaveProperty('DashboardName');
    expect(synth.template.toJSON().Outputs).toHaveProperty('DashboardName');
    const { Dashboard: _dropped, ...types } = resourceTypes(synth);
    expect(resourceTypes(without)).toEqual(types);
  });

  it('is a stage dashboard with the nine widgets the incident questions need', () => {
    synth.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(widgets.map((one) => one.properties.title)).toEqual([
      'Requests by route and status (acks are 200 on the webhook routes)',
      'API requests, 4xx and 5xx',
      'Events by outcome',
      'Queue age and dead letters',
      'Alerts sent',
      'Chat notifier failures',
      'Processor duration (ms)',
      'Reconcile with HappyColis (per hour)',
      'Reconciler runs',
    ]);
  });

  it("stays within the free tier's metrics per dashboard", () => {
    const metrics = widgets.flatMap((one) => one.properties.metrics ?? []);
    expect(metrics.length).toBeGreaterThan(20);
    expect(metrics.length).toBeLessThanOrEqual(CLOUDWATCH_FREE_TIER.metricsPerFreeDashboard);
  });

  it('counts requests by route and status from the access log', () => {
    const byRoute = widget(/by route/);
    expect(byRoute.type).toBe('log');
    expect(byRoute.properties.query).toContain(logicalId(synth.stack.api.accessLogGroup));
    expect(byRoute.properties.query).toMatch(/stats count\(\*\) as requests by routeKey, status/);
    const api = text(widget(/4xx and 5xx/));
    for (const name of ['"Count"', '"4xx"', '"5xx"']) expect(api).toContain(name);
    expect(api).toContain(logicalId(synth.stack.api.api));
  });

  it('plots every processor outcome', () => {
    const outcomes = text(widget(/outcome/));
    expect(outcomes).toContain('FulfillmentWebhooks');
    for (const name of OUTCOME_METRICS) expect(outcomes).toContain(`"${name}"`);
  });

  it('watches queue age and both DLQs', () => {
    const queues = text(widget(/Queue age/));
    expect(queues).toContain('ApproximateAgeOfOldestMessage');
    expect(queues).toContain(logicalId(synth.stack.pipeline.queue));
    expect(queues).toContain(logicalId(synth.stack.pipeline.deadLetterQueue));
    const slack = synth.stack.alerting.notifiers.slack;
    if (!slack) throw new Error('the full options deploy Slack');
    expect(queues).toContain(logicalId(slack.deadLetterQueue));
  });

  it('shows grouped alerts: incidents, group messages, resolved notices, stuck PENDING', () => {
    const alerts = text(widget(/Alerts sent/));
    expect(Object.keys(ALERT_METRICS)).toEqual([
      'AlertIncidents',
      'AlertMessagesPublished',
      'AlertsResolved',
      'StuckPendingAlerted',
    ]);
    for (const [name, label] of Object.entries(ALERT_METRICS)) {
      expect(alerts).toContain(`"${name}"`);
      expect(alerts).toContain(`"${label}"`);
    }
    expect(alerts).not.toContain('"AlertsPublished"');
    expect(alerts).toContain('NumberOfMessagesPublished');
  });

  it("shows every chat notifier's metrics and errors, and processor duration", () => {
    const slack = text(widget(/Chat notifier failures/));
    for (const { name } of Object.values(notifierMetrics('slack'))) {
      expect(slack).toContain(`"${name}"`);
    }
    const notifier = synth.stack.alerting.notifiers.slack?.notifier;
    if (!notifier) throw new Error('the full options deploy Slack');
    expect(slack).toContain(logicalId(notifier.function));
    const processor = text(widget(/Processor duration/));
    expect(processor).toContain('"Duration"');
    expect(processor).toContain(logicalId(synth.stack.pipeline.processor.function));
    expect(processor).toMatch(/p99/);
  });
});
