import { InMemoryAlertLedger } from './alert-ledger.ts';
import { InMemoryAlertPublisher } from './alert-publisher.ts';
import { InMemoryDeadLetterQueue } from './dead-letter-queue.ts';
import { InMemoryEventQueue } from './event-queue.ts';
import { InMemoryFleetQueries } from './fleet-queries.ts';
import { InMemoryIntegrationStore } from './integration-store.ts';
import { InMemoryPendingStore } from './pending-store.ts';
import { TwinTable } from './table.ts';

export { InMemoryAlertLedger } from './alert-ledger.ts';
export { InMemoryAlertPublisher } from './alert-publisher.ts';
export { InMemoryDeadLetterQueue } from './dead-letter-queue.ts';
export { InMemoryEventQueue } from './event-queue.ts';
export { type FaultOptions, Faults, InjectedFaultError } from './faults.ts';
export { InMemoryFleetQueries } from './fleet-queries.ts';
export { InMemoryIntegrationStore } from './integration-store.ts';
export { InMemoryPendingStore } from './pending-store.ts';
export { MissingRecordError, TwinTable } from './table.ts';

/** A fresh set of twins over one table, as the adapters share one DynamoDB table. */
export const createTwins = (options: { readonly clock?: () => Date } = {}) => {
  const table = new TwinTable();
  const queue = new InMemoryEventQueue(options);
  return {
    table,
    store: new InMemoryIntegrationStore(table),
    pending: new InMemoryPendingStore(table),
    fleet: new InMemoryFleetQueries(table),
    queue,
    deadLetters: new InMemoryDeadLetterQueue(queue),
    alerts: new InMemoryAlertPublisher(),
    ledger: new InMemoryAlertLedger(),
  };
};

export type Twins = ReturnType<typeof createTwins>;
