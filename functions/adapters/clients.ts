import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The document client every DynamoDB adapter uses. Optional attributes are left out of items
 * rather than written as NULL. The endpoint comes from the SDK's own settings
 * (`AWS_ENDPOINT_URL`, region), so the same code talks to AWS and to local emulators.
 */
export const createDocumentClient = (client: DynamoDBClient = new DynamoDBClient({})) =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
