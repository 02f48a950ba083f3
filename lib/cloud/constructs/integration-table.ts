import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  FLEET_INDEXES,
  fleetIndexes,
  type KeySchema,
  table as tableDefinition,
  tableSchema,
} from '../../../functions/definitions/resources.ts';
import { acknowledgeKeyActionWildcards } from './lambda-function.ts';

/** A key schema (`tableSchema`) as CDK props: every key is a string. */
const keysOf = ([partition, sort]: KeySchema) => ({
  partitionKey: { name: partition.AttributeName, type: AttributeType.STRING },
  sortKey: { name: sort.AttributeName, type: AttributeType.STRING },
});

/** The DynamoDB item actions a function may be granted. */
export type ItemAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';
const WRITE_ACTIONS: ReadonlySet<ItemAction> = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

export interface IntegrationTableProps {
  /**
   * What a stack deletion does to the table and its key.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE - a `cdk destroy` or a replacement never
   * loses integration data, while a failed first create (rolled back) leaves nothing behind to
   * block the retry
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How many of the operator list indexes (`fleetIndexes`, in order) to create: DynamoDB adds
   * one per table update, so an existing table takes them one deploy at a time.
   * @default all of them
   */
  readonly listIndexes?: number;
}

/**
 * The one DynamoDB table: integrations, their history, dedupe records and quarantine, keyed
 * `pk`/`sk`, with the operator's list indexes. Encrypted
 * with a customer-managed key because integration items hold the service's `accessToken`: the
 * key policy and CloudTrail then say who can read it, and disabling the key cuts every reader
 * off at once.
 *
 * That key is the stage's only one (a key costs $1 a month whatever its use): the stack hands
 * it to the event queues and the alerts topic too. It lives here because the table outlives
 * everything else in the stack (retained on deletion), and the key must live as long as the
 * data it encrypts.
 *
 * Access is granted per access pattern, never as "read/write everything".
 */
export class IntegrationTable extends Construct {
  readonly table: Table;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: IntegrationTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    this.key = new Key(this, 'Key', {
      description:
        "Encrypts the stage's integrations table, event queues and alerts topic (access tokens)",
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });

    // No physical name: CloudFormation derives one from the stack (and so the stage), which
    // lets stages coexist and a replacement happen.
    const schema = tableSchema(props.listIndexes);
    this.table = new Table(this, 'Table', {
      ...keysOf(schema.KeySchema),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDefinition.ttlAttribute,
      // Off, because a rollback of the first create must be able to delete the table (a
      // protected table fails that delete and strands the stack). The deletion policy keeps the
      // table on `cdk destroy`; docs/deploy.md ("Tear down a stage") shows how to turn protection on once the
      // stage exists.
      deletionProtection: false,
      removalPolicy,
    });

    for (const { IndexName, KeySchema, Projection } of schema.GlobalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: IndexName,
        ...keysOf(KeySchema),
        projectionType: ProjectionType[Projection.ProjectionType],
        ...(Projection.NonKeyAttributes
          ? { nonKeyAttributes: [...Projection.NonKeyAttributes] }
          : {}),
      });
    }
  }

  /** ARNs of the operator's list indexes (`fleetIndexes`). */
  get fleetIndexArns(): string[] {
    return fleetIndexes.map((index) => `${this.table.tableArn}/index/${index.name}`);
  }

  /**
   * `Query` on the list indexes, and `GetItem`, `Query`, `BatchGetItem` on the table (the
   * organization and location lists fetch their items): the operator's read routes.
   */
  grantFleetRead(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: this.fleetIndexArns,
    });
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:BatchGetItem'],
      resourceArns: [this.table.tableArn],
    });
    this.grantItemActions(grantee, 'GetItem', 'Query');
  }

  /** ARNs of what the stuck-PENDING check reads: the `by-state` index (its PENDING partitions). */
  get pendingIndexArns(): string[] {
    return [`${this.table.tableArn}/index/${FLEET_INDEXES.byState.name}`];
  }

  /**
   * Item-level actions on the base table, named one by one: `Scan`, `DeleteItem`, batch and
   * transaction calls are never granted because the design never uses them. On the key,
   * readers get what CDK's `grantReadData` gives (`Decrypt`, `DescribeKey`), writers also what
   * `grantWriteData` gives (`Encrypt`, `ReEncrypt*`, `GenerateDataKey*`).
   */
  grantItemActions(grantee: IGrantable, ...actions: ItemAction[]): void {
    Grant.addToPrincipal({
      grantee,
      actions: actions.map((action) => `dynamodb:${action}`),
      resourceArns: [this.table.tableArn],
    });
    const writes = actions.some((action) => WRITE_ACTIONS.has(action));
    this.key.grant(grantee, ...KEY_READ_ACTIONS, ...(writes ? KEY_WRITE_ACTIONS : []));
    if (writes) {
      acknowledgeKeyActionWildcards(
        grantee,
        ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        'Writing to a table encrypted with a customer-managed key needs the key actions CDK ' +
          "grants for it (Table.grantWriteData's set).",
      );
    }
  }

  /** `Query` on the indexes the stuck-PENDING check reads (`pendingIndexArns`), nothing else. */
  grantPendingIndexQuery(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: this.pendingIndexArns,
    });
    this.key.grant(grantee, ...KEY_READ_ACTIONS);
  }
}
