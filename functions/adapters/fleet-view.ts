import type { IntegrationState } from '../core/events.ts';
import { FLEET_INDEXES, integrationListKey, shardKey } from '../core/fleet.ts';
import { currentOf, type Registers } from '../core/state.ts';

/**
 * The integration item's list attributes: its current state (derived from the registers by
 * the core's rule), the sharded partition of the `by-state` index, and the sort key of every
 * list index (the date of the event that decided the state, then the id). Written in the
 * same update as the register, and only when they change, so an event that does not change
 * the current state never writes a list index.
 */
export const listViewOf = (
  id: string,
  registers: Registers,
):
  | { readonly state: IntegrationState; readonly stateShard: string; readonly listKey: string }
  | undefined => {
  const current = currentOf(registers);
  if (!current) return undefined;
  const { state, date } = current.register;
  return {
    state,
    stateShard: shardKey(state, id, FLEET_INDEXES.byState.shards),
    listKey: integrationListKey(date, id),
  };
};
