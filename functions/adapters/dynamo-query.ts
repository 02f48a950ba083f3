import {
  type DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/** Every item a Query matches, page after page (a page holds at most 1 MB). */
export async function* queryItems(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<Item> {
  for await (const page of paginateQuery({ client }, { ...input })) yield* page.Items ?? [];
}

/** {@link queryItems}, collected. */
export const queryAll = async (
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Item[]> => {
  const items: Item[] = [];
  for await (const item of queryItems(client, input)) items.push(item);
  return items;
};

/**
 * The first `limit` items a Query matches, reading no page beyond the one that reaches
 * `limit`; `more` when it matches others after them.
 */
export const queryFirst = async (
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit: number,
): Promise<{ readonly items: Item[]; readonly more: boolean }> => {
  const items: Item[] = [];
  let more = false;
  for await (const page of paginateQuery({ client }, { ...input })) {
    items.push(...(page.Items ?? []));
    more = page.LastEvaluatedKey !== undefined;
    if (items.length >= limit) break;
  }
  return { items: items.slice(0, limit), more: more || items.length > limit };
};
