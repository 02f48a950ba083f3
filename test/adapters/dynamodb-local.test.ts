import { afterAll, beforeAll } from 'vitest';
import { describeDynamoDbContracts } from '../contracts/dynamodb.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.ts';

/**
 * The DynamoDB adapters' contracts on AWS's own engine, DynamoDB Local, as on dynalite in
 * `contracts.test.ts`: where the two disagree, the adapters follow AWS.
 */

let engine: DynamoDbLocal;
beforeAll(async () => {
  engine = await startDynamoDbLocal();
}, 120_000);
afterAll(() => engine?.stop());

describeDynamoDbContracts('DynamoDB Local', () => ({
  document: engine.clients.document,
  tableName: engine.tableName,
}));
