import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertLedger } from '../../functions/adapters/dynamo-alert-ledger.ts';
import { DynamoFleetQueries } from '../../functions/adapters/dynamo-fleet-queries.ts';
import { DynamoIntegrationStore } from '../../functions/adapters/dynamo-integration-store.ts';
import { DynamoPendingStore } from '../../functions/adapters/dynamo-pending-store.ts';
import { alertGroupPk } from '../../functions/definitions/table-keys.ts';
import { describeAlertLedgerContract } from './alert-ledger.contract.ts';
import { describeFleetQueriesContract } from './fleet-queries.contract.ts';
import { describeIntegrationStoreContract } from './integration-store.contract.ts';
import { describePaceGateContract } from './pace-gate.contract.ts';
import { describePendingStoreContract } from './pending-store.contract.ts';

/** A DynamoDB engine's endpoint with the project's table on it. */
export interface DynamoTable {
  readonly document: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Every DynamoDB adapter's contract on one engine (`engine` names it in the suite titles).
 * `table` is read when the first test runs, so the caller's `beforeAll` may start the engine.
 */
export const describeDynamoDbContracts = (engine: string, table: () => DynamoTable) => {
  let adapters:
    | {
        store: DynamoIntegrationStore;
        pending: DynamoPendingStore;
        fleet: DynamoFleetQueries;
        ledger: DynamoAlertLedger;
      }
    | undefined;
  const built = () => {
    if (!adapters) {
      const { document: client, tableName } = table();
      adapters = {
        store: new DynamoIntegrationStore({ client, tableName }),
        pending: new DynamoPendingStore({ client, tableName }),
        fleet: new DynamoFleetQueries({ client, tableName }),
        ledger: new DynamoAlertLedger({ client, tableName, retentionDays: 8 }),
      };
    }
    return adapters;
  };
  const name = `DynamoDB adapter (${engine})`;
  describeIntegrationStoreContract(name, () => built().store);
  describePendingStoreContract(name, built);
  describeFleetQueriesContract(name, built);
  describeAlertLedgerContract(name, () => built().ledger, {
    readPages: async (groupKey) => {
      let pages = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await table().document.send(
          new QueryCommand({
            TableName: table().tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': alertGroupPk(groupKey) },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        pages++;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return pages;
    },
  });
  describePaceGateContract(name, table);
};
