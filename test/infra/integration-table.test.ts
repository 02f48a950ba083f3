import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardKey } from '../../functions/core/fleet.ts';
import {
  table as definition,
  FLEET_INDEXES,
  tableSchema,
} from '../../functions/definitions/resources.ts';
import { IntegrationTable } from '../../lib/cloud/constructs/integration-table.ts';
import { arnOf, bareStack, logicalId } from './support.ts';

describe('IntegrationTable', () => {
  let template: Template;
  let subject: IntegrationTable;
  let reader: Role;
  let writer: Role;
  let pendingReader: Role;

  beforeAll(() => {
    const stack = bareStack();
    subject = new IntegrationTable(stack, 'Integrations');
    const role = (id: string) =>
      new Role(stack, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    reader = role('Reader');
    writer = role('Writer');
    pendingReader = role('PendingReader');
    subject.grantItemActions(reader, 'GetItem', 'Query');
    subject.grantItemActions(writer, 'GetItem', 'PutItem', 'UpdateItem');
    subject.grantPendingIndexQuery(pendingReader);
    template = Template.fromStack(stack);
  });

  const tableResource = () =>
    template.toJSON().Resources[logicalId(subject.table)] as {
      Properties: Record<string, unknown>;
      DeletionPolicy: string;
      UpdateReplacePolicy: string;
    };

  const statementsOf = (role: Role) =>
    Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(logicalId(role)))
      .flatMap(
        ([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
      );

  it('keys items by pk/sk strings, billed on demand, named by CloudFormation', () => {
    expect(tableResource().Properties).not.toHaveProperty('TableName');
    expect(tableResource().Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: definition.partitionKey, KeyType: 'HASH' },
        { AttributeName: definition.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('expires items on the expiresAt attribute and keeps point-in-time recovery', () => {
    expect(tableResource().Properties).toMatchObject({
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('survives a stack deletion or replacement, but not a failed first create', () => {
    const resource = tableResource();
    // A protected table would fail the rollback's delete and strand the stack.
    expect(resource.Properties.DeletionProtectionEnabled).toBe(false);
    expect(resource.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    const key = template.toJSON().Resources[logicalId(subject.key)];
    expect(key.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(key.UpdateReplacePolicy).toBe('Retain');
  });

  it('encrypts with its own customer-managed key, rotated yearly', () => {
    expect(tableResource().Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: arnOf(subject.key),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('has the list indexes, narrowly projected, and no former pending index', () => {
    expect(tableResource().Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'by-state',
        KeySchema: [
          { AttributeName: 'stateShard', KeyType: 'HASH' },
          { AttributeName: 'listKey', KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: ['state', 'organizationId', 'locationId', 'fulfillmentServiceId'],
        },
      },
      {
        IndexName: 'by-organization',
        KeySchema: [
          { AttributeName: 'organizationId', KeyType: 'HASH' },
          { AttributeName: 'pk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: 'by-location',
        KeySchema: [
          { AttributeName: 'locationId', KeyType: 'HASH' },
          { AttributeName: 'pk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: 'records',
        KeySchema: [
          { AttributeName: 'recordShard', KeyType: 'HASH' },
          { AttributeName: 'recordKey', KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: ['source', 'receivedAt', 'code', 'endpoint', 'message'],
        },
      },
    ]);
  });

  it('declares exactly the keys and indexes the local bootstrap creates (one translation)', () => {
    const schema = tableSchema();
    expect(tableResource().Properties.GlobalSecondaryIndexes).toEqual(
      schema.GlobalSecondaryIndexes,
    );
    expect(tableResource().Properties.KeySchema).toEqual(schema.KeySchema);
    expect(
      (tableResource().Properties.AttributeDefinitions as { AttributeName: string }[])
        .map((definition) => definition.AttributeName)
        .sort(),
    ).toEqual(schema.AttributeDefinitions.map((definition) => definition.AttributeName).sort());
  });

  it('creates only the first list indexes asked for, so an existing table takes one per deploy', () => {
    const stack = bareStack();
    new IntegrationTable(stack, 'Partial', { listIndexes: 1 });
    const [resource] = Object.values(
      Template.fromStack(stack).findResources('AWS::DynamoDB::Table'),
    );
    const properties = resource?.Properties as
      | { GlobalSecondaryIndexes: { IndexName: string }[] }
      | undefined;
    const names = properties?.GlobalSecondaryIndexes.map((index) => index.IndexName);
    expect(names).toEqual(['by-state']);
  });

  it('shards every index partition key that would otherwise be a constant', () => {
    // The writers put `<value>#<shard>` there (see FLEET_INDEXES); a constant would be one
    // partition for every write, capped at 1,000 WCU/s.
    expect(FLEET_INDEXES.byState.shards).toBeGreaterThan(1);
    expect(FLEET_INDEXES.records.shards).toBeGreaterThan(1);
    const ids = Array.from({ length: 400 }, (_, index) => `integration-${index}`);
    const used = new Set(ids.map((id) => shardKey('ERROR', id, FLEET_INDEXES.byState.shards)));
    expect(used.size).toBe(FLEET_INDEXES.byState.shards);
  });

  it('grants readers GetItem and Query on the table, decrypt on the key, nothing else', () => {
    expect(statementsOf(reader)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: arnOf(subject.table),
      },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: arnOf(subject.key) },
    ]);
  });

  it('grants writers exactly the item actions asked for, never Scan, Delete or batches', () => {
    const actions = statementsOf(writer).flatMap((s) => [s.Action].flat()) as string[];
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actions).toContain('kms:GenerateDataKey*');
  });

  it('grants the pending check Query on the state index only', () => {
    expect(statementsOf(pendingReader)[0]).toEqual({
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: { 'Fn::Join': ['', [arnOf(subject.table), '/index/by-state']] },
    });
  });
});
