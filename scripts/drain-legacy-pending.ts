import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from '../functions/adapters/conditional-write.ts';
import { DynamoIntegrationStore } from '../functions/adapters/dynamo-integration-store.ts';
import { listViewOf } from '../functions/core/fleet.ts';
import { FLEET_INDEXES } from '../functions/definitions/resources.ts';
import { integrationIdOf, integrationKey, STATE_SK } from '../functions/definitions/table-keys.ts';

/**
 * One-off, for a stage first deployed by a version that wrote the sparse `pending` index
 * (attributes `pendingShard` and `pendingSince` on an integration item, set on every applied
 * `created`). The stuck-PENDING check now reads only the `by-state` list index, and the table no
 * longer has the `pending` index. An integration that has stayed PENDING since before the list
 * view existed has no `by-state` entry, so the check would never see it: this gives each such
 * item its list view (derived from its registers, as the processor does) and removes the two
 * former attributes from every item that still has them.
 *
 * It scans the table (the index may already be gone), so it can run before or after the deploy
 * that drops the index, and any number of times: each step is idempotent, and a list view the
 * processor wrote meanwhile is never overwritten. Run it before deploying, so that no check
 * runs without those integrations:
 *
 *   npx tsx scripts/drain-legacy-pending.ts --table <TableName stack output> [--region <r>]
 */

export const LEGACY_ATTRIBUTES = ['pendingShard', 'pendingSince'] as const;

export interface DrainSummary {
  /** Items that still carried the former attributes. */
  readonly found: number;
  /** Of those, integrations given their list view (they had none). */
  readonly listed: number;
}

export const drainLegacyPending = async (
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<DrainSummary> => {
  const store = new DynamoIntegrationStore({ client, tableName });
  const { byState } = FLEET_INDEXES;
  let found = 0;
  let listed = 0;
  for await (const page of paginateScan(
    { client },
    {
      TableName: tableName,
      FilterExpression: 'sk = :state AND attribute_exists(#since)',
      ExpressionAttributeNames: { '#since': 'pendingSince', '#listKey': byState.sortKey },
      ExpressionAttributeValues: { ':state': STATE_SK },
      ProjectionExpression: 'pk, #listKey',
    },
  )) {
    for (const item of page.Items ?? []) {
      found++;
      const id = integrationIdOf(String(item.pk));
      if (item[byState.sortKey] === undefined) {
        const integration = await store.getIntegration(id);
        const view = integration && listViewOf(id, integration.registers);
        if (view) {
          // Refused when the processor wrote a (newer) view since the scan read the item.
          const wrote = await conditionally(() =>
            client.send(
              new UpdateCommand({
                TableName: tableName,
                Key: integrationKey(id),
                UpdateExpression: 'SET #state = :state, #shard = :shard, #listKey = :listKey',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#listKey)',
                ExpressionAttributeNames: {
                  '#state': 'state',
                  '#shard': byState.partitionKey,
                  '#listKey': byState.sortKey,
                },
                ExpressionAttributeValues: {
                  ':state': view.state,
                  ':shard': view.stateShard,
                  ':listKey': view.listKey,
                },
              }),
            ),
          );
          if (wrote) listed++;
        }
      }
      await conditionally(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: integrationKey(id),
            UpdateExpression: `REMOVE ${LEGACY_ATTRIBUTES.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      );
    }
  }
  return { found, listed };
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { table: { type: 'string' }, region: { type: 'string' } },
  });
  if (!values.table) {
    console.error('usage: drain-legacy-pending --table <TableName> [--region <region>]');
    process.exit(2);
  }
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient(values.region ? { region: values.region } : {}),
  );
  const summary = await drainLegacyPending(client, values.table);
  console.log(
    `${summary.found} item(s) carried the former pending index's attributes, now removed; ` +
      `${summary.listed} integration(s) given their list view.`,
  );
}
