import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { AlertStatus } from '../core/ports.ts';
import { conditionally } from './conditional-write.ts';

/**
 * The owed/sent bookkeeping shared by every record that may owe an alert (history events,
 * quarantined payloads, notices, stuck-PENDING records): written once with `alert = owed`,
 * read back by duplicates, marked `sent` after the publish.
 */

export type ItemKey = { readonly pk: string; readonly sk: string };

const AlertItemSchema = v.object({
  alert: v.optional(v.picklist(['owed', 'sent'])),
  recordedAt: v.optional(v.string()),
});

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

export const readAlertStatus = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
): Promise<AlertStatus> => {
  const result = await client.send(
    new GetCommand({
      TableName: tableName,
      Key: key,
      ConsistentRead: true,
      ProjectionExpression: 'alert, recordedAt',
    }),
  );
  const item = result.Item ? v.parse(AlertItemSchema, result.Item) : undefined;
  if (item?.alert === 'owed') return { status: 'owed', recordedAt: item.recordedAt ?? '' };
  return { status: item?.alert ?? 'none' };
};

export const markAlertSent = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  at: Date,
): Promise<void> => {
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET alert = :sent, alertSentAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':sent': 'sent', ':at': at.toISOString() },
    }),
  );
};
