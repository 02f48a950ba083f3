import { describe, expect, it } from 'vitest';
import { lifecycleEvent } from '../support/events.ts';
import { createTwins, InjectedFaultError } from '../twins/index.ts';
import { describeAlertLedgerContract } from './alert-ledger.contract.ts';
import { describeDeadLetterQueueContract } from './dead-letter-queue.contract.ts';
import { describeFleetQueriesContract } from './fleet-queries.contract.ts';
import { describeIntegrationStoreContract } from './integration-store.contract.ts';
import {
  describeAlertPublisherContract,
  describeEventQueueContract,
} from './messaging.contract.ts';
import { describePendingStoreContract } from './pending-store.contract.ts';
import { NOW } from './support.ts';

/** The contracts against the in-memory twins; `test/adapters/contracts.test.ts` runs them on AWS. */
const twins = createTwins();

describeIntegrationStoreContract('in-memory twin', () => twins.store);
describePendingStoreContract('in-memory twin', () => twins);
describeFleetQueriesContract('in-memory twin', () => twins);
describeDeadLetterQueueContract('in-memory twin', () => ({
  dlq: twins.deadLetters,
  deadLetter: async (body) => twins.deadLetters.add(body, new Date().toISOString()),
  takeFromQueue: async () => {
    const bodies = twins.queue.bodies();
    twins.queue.clear();
    return bodies;
  },
  settled: async () => {},
}));
describeAlertLedgerContract('in-memory twin', () => twins.ledger);
describeEventQueueContract('in-memory twin', () => ({
  queue: twins.queue,
  receive: async () => twins.queue.receive(),
}));
describeAlertPublisherContract('in-memory twin', () => ({
  publisher: twins.alerts,
  delivered: async () => twins.alerts.take(),
}));

describe('twin specifics', () => {
  it('keeps the token on the integration item only', async () => {
    const { store } = createTwins();
    const event = lifecycleEvent('accepted', { id: 'i', accessToken: 'tok_SECRET_123' });
    await store.applyEvent(event, NOW);
    expect(store.accessTokenOf('i')).toBe('tok_SECRET_123');
    await store.applyEvent(lifecycleEvent('rejected', { id: 'i' }), NOW);
    expect(store.accessTokenOf('i')).toBeUndefined();
  });

  it('keeps copies of what it is given', async () => {
    const { store } = createTwins();
    const event = lifecycleEvent('created', { id: 'i' });
    await store.applyEvent(event, NOW);
    (event.body.scopes as string[]).push('tampered');
    expect((await store.getIntegration('i'))?.registers.created?.scopes).not.toContain('tampered');
  });

  it('fails the next calls armed, only those matching, then works again', async () => {
    const { store } = createTwins();
    store.faults.failNext('applyEvent', { times: 2, when: (event) => event.body.id === 'bad' });
    const bad = lifecycleEvent('created', { id: 'bad' });
    await expect(
      store.applyEvent(lifecycleEvent('created', { id: 'good' }), NOW),
    ).resolves.toBeDefined();
    await expect(store.applyEvent(bad, NOW)).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(store.applyEvent(bad, NOW)).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(store.applyEvent(bad, NOW)).resolves.toBeDefined();
    expect(store.faults.calls('applyEvent')).toBe(4);
    expect(store.faults.armed('applyEvent')).toBe(0);
  });

  it('rejects with the error given', async () => {
    const { alerts } = createTwins();
    alerts.faults.failNext('publish', { error: new Error('SNS unavailable') });
    await expect(alerts.publish({} as Parameters<typeof alerts.publish>[0])).rejects.toThrow(
      'SNS unavailable',
    );
  });
});
