import { describe, expect, it } from 'vitest';
import type { PaceGate } from '../../functions/core/ports.ts';
import { type ProcessorDeps, processMessage } from '../../functions/processor/process-message.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import {
  InMemoryAlertLedger,
  InMemoryAlertPublisher,
  InMemoryEventQueue,
  InMemoryIntegrationStore,
} from '../twins/index.ts';

/** One shared slot, as the `PACE#email` item is for every flusher: claimed, or when it frees. */
class SharedSlot implements PaceGate {
  #nextPostAt = 0;
  async claim(now: Date, intervalMs: number) {
    if (now.getTime() < this.#nextPostAt) {
      return { granted: false as const, nextPostAt: this.#nextPostAt };
    }
    this.#nextPostAt = now.getTime() + intervalMs;
    return { granted: true as const };
  }
  async deferUntil(until: Date) {
    this.#nextPostAt = Math.max(this.#nextPostAt, until.getTime());
  }
}

describe('the email channel', () => {
  it('publishes at most 10 messages a second, however many groups flush at once', async () => {
    let now = Date.parse('2026-11-23T10:00:00.000Z');
    const clock = () => new Date(now);
    const publishedAt: number[] = [];
    const publisher = new InMemoryAlertPublisher();
    const ledger = new InMemoryAlertLedger();
    const queue = new InMemoryEventQueue({ clock });
    const deps: ProcessorDeps = {
      store: new InMemoryIntegrationStore(),
      alerting: {
        ledger,
        queue,
        publisher: {
          publish: async (digest) => {
            publishedAt.push(now);
            await publisher.publish(digest);
          },
        },
        emailPace: new SharedSlot(),
        timing: { windowMs: 30_000, intervalMs: 300_000 },
        // Waiting for a slot moves the virtual clock to the wake-up time, as sleeping would
        // move the real one; concurrent sleepers wake in turn (a macrotask each).
        sleep: async (ms) => {
          const wake = now + ms;
          await new Promise((resolve) => setTimeout(resolve, 0));
          now = Math.max(now, wake);
        },
      },
      clock,
    };

    // 30 fulfillment services go down at once: 30 groups, flushed together.
    for (let service = 0; service < 30; service++) {
      const event = envelope(lifecycleEvent('errored', { id: `pace-${service}` }));
      const webhook = { ...event, body: { ...event.body, fulfillmentServiceId: `fs-${service}` } };
      await processMessage({ kind: 'webhook', receivedAt: clock().toISOString(), webhook }, deps);
    }
    now += 31_000;
    const flushes = queue.receiveDue(clock());
    expect(flushes).toHaveLength(30);
    await Promise.all(flushes.map((message) => processMessage(message, deps)));

    expect(publishedAt).toHaveLength(30);
    const sorted = [...publishedAt].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(100);
    }
  });
});
