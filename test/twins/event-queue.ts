import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import type { EventQueue } from '../../functions/core/ports.ts';
import { type QueueMessage, QueueMessageSchema } from '../../functions/core/queue-message.ts';
import { Faults } from './faults.ts';

/**
 * The event queue in memory. Messages are kept as the JSON bodies SQS would hold, so what a
 * test reads back went through the same serialisation as on the wire.
 */
export class InMemoryEventQueue implements EventQueue {
  readonly faults = new Faults<EventQueue>();
  readonly #bodies: { readonly queueMessageId: string; readonly body: string }[] = [];

  async send(message: QueueMessage): Promise<{ queueMessageId: string }> {
    this.faults.enter('send', [message]);
    const queueMessageId = randomUUID();
    this.#bodies.push({ queueMessageId, body: JSON.stringify(message) });
    return { queueMessageId };
  }

  /** Puts bodies back as they were (a DLQ redrive keeps bodies unchanged). */
  pushRaw(bodies: readonly string[]): void {
    for (const body of bodies) this.#bodies.push({ queueMessageId: randomUUID(), body });
  }

  /** Messages waiting, as SQS's `ApproximateNumberOfMessages` would count them. */
  get depth(): number {
    return this.#bodies.length;
  }

  /** The raw bodies waiting, oldest first. */
  bodies(): string[] {
    return this.#bodies.map((item) => item.body);
  }

  /** Takes every waiting message, oldest first, parsed as the processor parses them. */
  receive(): QueueMessage[] {
    return this.#bodies.splice(0).map((item) => v.parse(QueueMessageSchema, JSON.parse(item.body)));
  }

  clear(): void {
    this.#bodies.length = 0;
  }
}
