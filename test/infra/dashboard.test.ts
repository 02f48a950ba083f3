import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_METRICS,
  OUTCOME_METRICS,
  SLACK_METRICS,
} from '../../lib/cloud/constructs/dashboard.ts';
import {
  FULL_OPTIONS,
  logicalId,
  propertiesOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

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
    const body = propertiesOf(synth.template, synth.stack.dashboard.dashboard).DashboardBody;
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

  it('is a stage dashboard with the seven widgets the incident questions need', () => {
    synth.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(widgets.map((one) => one.properties.title)).toEqual([
      'Requests by route and status (acks are 200 on the webhook routes)',
      'API requests, 4xx and 5xx',
      'Events by outcome',
      'Queue age and dead letters',
      'Alerts sent',
      'Slack failures',
      'Processor duration (ms)',
    ]);
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
    const slack = synth.stack.alerting.slack;
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

  it('shows every Slack metric, Slack failures and processor duration', () => {
    const slack = text(widget(/Slack failures/));
    for (const name of Object.keys(SLACK_METRICS)) expect(slack).toContain(`"${name}"`);
    const notifier = synth.stack.alerting.slack?.notifier;
    if (!notifier) throw new Error('the full options deploy Slack');
    expect(slack).toContain(logicalId(notifier.function));
    const processor = text(widget(/Processor duration/));
    expect(processor).toContain('"Duration"');
    expect(processor).toContain(logicalId(synth.stack.pipeline.processor.function));
    expect(processor).toMatch(/p99/);
  });
});
