import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from './conditional-write.ts';

/**
 * Records written once and never again (history events, quarantined payloads, notices, alert
 * incidents): a put conditioned on the key being new, so a redelivery finds it `exists`.
 */

export type ItemKey = { readonly pk: string; readonly sk: string };

/** Puts `item` unless an item with its key exists. */
export const putOnce = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  item: ItemKey & Record<string, unknown>,
): Promise<'recorded' | 'exists'> => {
  const written = await conditionally(() =>
    client.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  return written ? 'recorded' : 'exists';
};
