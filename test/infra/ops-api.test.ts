import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_ROUTES, READ_ROUTES, WRITE_ROUTES } from '../../functions/definitions/routes.ts';
import { allowedActions, FULL_OPTIONS, type SynthesizedStack, synthStack } from './support.ts';

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'sqs:SendMessage',
  'sqs:StartMessageMoveTask',
  'sqs:DeleteMessage',
  'sqs:CancelMessageMoveTask',
];

describe('OpsApi', () => {
  let synth: SynthesizedStack;

  beforeAll(() => {
    synth = synthStack(FULL_OPTIONS);
  });

  const route = (routeKey: string) => {
    const routes = synth.template.findResources('AWS::ApiGatewayV2::Route', {
      Properties: { RouteKey: routeKey },
    });
    expect(Object.keys(routes), routeKey).toHaveLength(1);
    return Object.values(routes)[0]?.Properties as { AuthorizationType: string; Target: unknown };
  };

  /** The Lambda function an API integration invokes, by the construct that owns it. */
  const targetOf = (routeKey: string): string => JSON.stringify(route(routeKey).Target);
  const integrationOf = (fn: 'reader' | 'writer') => {
    const integrations = synth.template.findResources('AWS::ApiGatewayV2::Integration');
    const functionId = Stack.of(synth.stack).getLogicalId(
      synth.stack.ops[fn].function.node.defaultChild as never,
    );
    const [id] = Object.entries(integrations).find(([, resource]) =>
      JSON.stringify(resource.Properties).includes(functionId),
    ) ?? [''];
    return id;
  };

  it('puts every operator route behind IAM', () => {
    for (const routeKey of Object.values(OPS_ROUTES)) {
      expect(route(routeKey).AuthorizationType, routeKey).toBe('AWS_IAM');
    }
  });

  it('sends reads to the reader function and writes to the writer function', () => {
    expect(READ_ROUTES.length).toBe(7);
    expect(WRITE_ROUTES).toEqual([
      'POST /quarantine/{id}/replay',
      'POST /dlq/redrive',
      'POST /reconcile',
      'POST /happycolis/subscriptions',
      'POST /happycolis/unsubscribe',
    ]);
    const reader = integrationOf('reader');
    const writer = integrationOf('writer');
    expect(reader).not.toBe('');
    expect(writer).not.toBe('');
    for (const routeKey of READ_ROUTES) expect(targetOf(routeKey), routeKey).toContain(reader);
    for (const routeKey of WRITE_ROUTES) expect(targetOf(routeKey), routeKey).toContain(writer);
  });

  it('gives the reader no write permission, and the writer what its routes need', () => {
    const reader = allowedActions(synth.template, synth.stack.ops.reader);
    for (const action of WRITE_ACTIONS) expect(reader.has(action), action).toBe(false);
    // Only the writer calls HappyColis, so only it reads the stage secret.
    expect(reader.has('secretsmanager:GetSecretValue')).toBe(false);
    expect(reader.has('dynamodb:Query')).toBe(true);
    expect(reader.has('sqs:ListMessageMoveTasks')).toBe(true);

    const writer = allowedActions(synth.template, synth.stack.ops.writer);
    for (const action of [
      'dynamodb:UpdateItem',
      'sqs:SendMessage',
      'sqs:StartMessageMoveTask',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      // Reconcile on demand (alert incidents) and the HappyColis subscription records.
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'secretsmanager:GetSecretValue',
    ]) {
      expect(writer.has(action), action).toBe(true);
    }
    expect(writer.has('dynamodb:Scan')).toBe(false);
  });

  it('lets the reader query the list indexes, and only them', () => {
    const reader = allowedActions(synth.template, synth.stack.ops.reader);
    const indexes = JSON.stringify(reader.get('dynamodb:Query'));
    for (const name of ['by-state', 'by-organization', 'by-location', 'records']) {
      expect(indexes).toContain(`/index/${name}`);
    }
    expect(indexes).not.toContain('/index/pending');
  });

  it('names read and write routes as distinct execute-api resources, so a policy can split them', () => {
    const resolve = (routeKey: string) =>
      JSON.stringify(Stack.of(synth.stack).resolve(synth.stack.ops.invokeArn(routeKey)));
    expect(resolve(OPS_ROUTES.showQuarantine)).toContain('/*/GET/quarantine/*');
    expect(resolve(OPS_ROUTES.replayQuarantine)).toContain('/*/POST/quarantine/*/replay');
    expect(resolve(OPS_ROUTES.redriveDeadLetters)).toContain('/*/POST/dlq/redrive');
    // A read policy `…/*/GET/*` can never match a write route: every write is a POST.
    for (const routeKey of WRITE_ROUTES) expect(resolve(routeKey)).not.toContain('/GET/');
  });
});
