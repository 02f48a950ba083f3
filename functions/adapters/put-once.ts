import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  conditionally,
  conditionallyWithCurrent,
  RETURN_ITEM_ON_REFUSAL,
} from './conditional-write.ts';

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

/**
 * {@link putOnce} for callers that need the existing item: a refused put returns it (AWS, and
 * DynamoDB Local); on an engine that does not (dynalite) `current` is `undefined` and the
 * caller reads it.
 */
export const putOnceOrCurrent = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  item: ItemKey & Record<string, unknown>,
): Promise<
  | { readonly status: 'recorded' }
  | { readonly status: 'exists'; readonly current: Record<string, unknown> | undefined }
> => {
  const outcome = await conditionallyWithCurrent(() =>
    client.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ...RETURN_ITEM_ON_REFUSAL,
      }),
    ),
  );
  return outcome.written ? { status: 'recorded' } : { status: 'exists', current: outcome.current };
};
