import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_ROUTES } from '../../functions/definitions/routes.ts';
import {
  allowedActions,
  arnOf,
  FULL_OPTIONS,
  propertiesOf,
  refOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

describe('IngestApi', () => {
  let synth: SynthesizedStack;

  beforeAll(() => {
    synth = synthStack({
      ...FULL_OPTIONS,
      throttleRateLimit: '7',
      throttleBurstLimit: 9,
      happycolisThrottleRateLimit: 500,
      happycolisThrottleBurstLimit: '900',
      ingestReservedConcurrency: 20,
      secretMaxAgeSeconds: 120,
    });
  });

  const route = (routeKey: string) => {
    const routes = synth.template.findResources('AWS::ApiGatewayV2::Route', {
      Properties: { RouteKey: routeKey },
    });
    const [only] = Object.values(routes);
    expect(Object.keys(routes)).toHaveLength(1);
    return only?.Properties as Record<string, unknown>;
  };

  it('leaves the webhook routes to the function to authenticate', () => {
    expect(route('POST /webhooks/happycolis').AuthorizationType).toBe('NONE');
    expect(route('POST /webhooks/delivery-errors').AuthorizationType).toBe('NONE');
  });

  it('puts the query route behind IAM authorization', () => {
    expect(route('GET /integrations/{id}').AuthorizationType).toBe('AWS_IAM');
  });

  it('has the three webhook and query routes, and every operator route', () => {
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Route', 3 + Object.keys(OPS_ROUTES).length);
  });

  it('throttles the default stage with the context settings', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
    });
  });

  it('gives the HappyColis route a throttle of its own, above every other route', () => {
    const stage = propertiesOf(synth.template, synth.stack.api.stage) as {
      RouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    };
    expect(stage.RouteSettings).toEqual({
      'POST /webhooks/happycolis': { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 900 },
    });
  });

  it('creates the stage after the routes its settings name (API Gateway refuses otherwise)', () => {
    const stages = synth.template.findResources('AWS::ApiGatewayV2::Stage');
    const dependsOn = Object.values(stages)[0]?.DependsOn as string[];
    const happycolis = Object.entries(
      synth.template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: 'POST /webhooks/happycolis' },
      }),
    )[0]?.[0];
    expect(dependsOn).toContain(happycolis);
  });

  it('reserves ingest concurrency and sets the secret re-read interval from context', () => {
    const ingest = propertiesOf(synth.template, synth.stack.api.ingest.function) as {
      ReservedConcurrentExecutions?: number;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(ingest.ReservedConcurrentExecutions).toBe(20);
    expect(ingest.Environment.Variables.SECRET_MAX_AGE_SECONDS).toBe('120');
  });

  it('writes JSON access logs, without headers or bodies, to a retained-for-30-days group', () => {
    const stage = propertiesOf(synth.template, synth.stack.api.stage) as {
      AccessLogSettings: { DestinationArn: unknown; Format: string };
    };
    expect(stage.AccessLogSettings.DestinationArn).toEqual(arnOf(synth.stack.api.accessLogGroup));
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    expect(stage.AccessLogSettings.Format).not.toMatch(/header|body/i);
    expect(propertiesOf(synth.template, synth.stack.api.accessLogGroup).RetentionInDays).toBe(30);
  });

  it('gives the ingest its queue URL and the stage secret by name only, for both fields', () => {
    expect(propertiesOf(synth.template, synth.stack.api.ingest.function)).toMatchObject({
      Environment: {
        Variables: {
          QUEUE_URL: refOf(synth.stack.pipeline.queue),
          HAPPYCOLIS_SECRETS_SECRET_ID: 'fulfillment-webhooks/dev/secrets',
          WEBHOOK_TOKENS_SECRET_ID: 'fulfillment-webhooks/dev/secrets',
        },
      },
    });
  });

  it('lets the ingest read exactly the stage secret, whatever its random suffix', () => {
    const actions = allowedActions(synth.template, synth.stack.api.ingest);
    expect(actions.get('secretsmanager:GetSecretValue')).toEqual([
      'arn:aws:secretsmanager:eu-west-3:123456789012:secret:fulfillment-webhooks/dev/secrets-??????',
    ]);
    expect(actions.get('secretsmanager:DescribeSecret')).toBeUndefined();
  });

  it('never lets the ingest touch DynamoDB or SNS', () => {
    const actions = [...allowedActions(synth.template, synth.stack.api.ingest).keys()];
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('sns:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('sqs:'))).toEqual(['sqs:SendMessage']);
  });

  it('keeps the query function read-only', () => {
    const actions = allowedActions(synth.template, synth.stack.api.query);
    const names = [...actions.keys()];
    expect(names.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(names.filter((a) => /^dynamodb:(Put|Update|Delete|Batch|Transact)/.test(a))).toEqual([]);
    expect(names.filter((a) => /^(sqs|sns|secretsmanager):/.test(a))).toEqual([]);
    expect(actions.get('kms:Decrypt')).toEqual([arnOf(synth.stack.table.key)]);
    expect(names).not.toContain('kms:Encrypt');
  });

  it('answers webhook senders before their 10-second deadline', () => {
    const timeout = propertiesOf(synth.template, synth.stack.api.ingest.function).Timeout as number;
    expect(timeout).toBeLessThan(10);
  });
});
