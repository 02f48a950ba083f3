import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LIFECYCLE_STEPS } from '../core/events.ts';
import { FLEET_INDEXES, integrationListKey, shardKey } from '../core/fleet.ts';
import type { StoredIntegration } from '../core/ports.ts';
import { currentOf } from '../core/state.ts';
import { conditionally } from './conditional-write.ts';

/**
 * Keeps the integration item's list attributes (`state`, `stateShard`, `listKey`) in step
 * with its registers, so the list indexes can find it by state and order it by change.
 *
 * The state is derived from all registers, which one conditional update cannot compute, so
 * it is a second write, issued only when the derived view differs from the stored one (the
 * event changed the current state, not on stale, duplicate or older events). It is
 * conditional on the registers being exactly the snapshot it was derived from: when two
 * events race, the writer of the last register sees the final registers and its view wins,
 * and an older view can never overwrite a newer one.
 */
export const reconcileListView = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  key: { readonly pk: string; readonly sk: string },
  stored: StoredIntegration,
  attributes: Readonly<Record<string, unknown>>,
): Promise<void> => {
  const current = currentOf(stored.registers);
  if (!current) return;
  const { state, date } = current.register;
  const listKey = integrationListKey(date, stored.id);
  if (attributes.state === state && attributes.listKey === listKey) return;

  const names: Record<string, string> = { '#state': 'state', '#key': 'key' };
  const values: Record<string, unknown> = {
    ':state': state,
    ':shard': shardKey(state, stored.id, FLEET_INDEXES.byState.shards),
    ':listKey': listKey,
  };
  const conditions = LIFECYCLE_STEPS.map((step, index) => {
    names[`#s${index}`] = step;
    const register = stored.registers[step];
    if (!register) return `attribute_not_exists(#s${index})`;
    values[`:k${index}`] = register.key;
    return `#s${index}.#key = :k${index}`;
  });
  // A refusal means a newer register was written meanwhile; its writer sets the view.
  await conditionally(() =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET #state = :state, ${FLEET_INDEXES.byState.partitionKey} = :shard, ${FLEET_INDEXES.byState.sortKey} = :listKey`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
};
