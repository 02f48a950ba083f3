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
  readonly #bodies: {
    readonly queueMessageId: string;
    readonly body: string;
    /** Epoch ms from which a receive sees it (SQS's per-message delay). */
    readonly visibleAt: number;
  }[] = [];
  readonly #clock: () => Date;

  /** `clock` dates the per-message delays; tests that never delay can leave it out. */
  constructor(options: { readonly clock?: () => Date } = {}) {
    this.#clock = options.clock ?? (() => new Date());
  }

  async send(
    message: QueueMessage,
    options: { readonly delaySeconds?: number } = {},
  ): Promise<{ queueMessageId: string }> {
    this.faults.enter('send', [message, options]);
    const queueMessageId = randomUUID();
    const visibleAt = this.#clock().getTime() + (options.delaySeconds ?? 0) * 1000;
    this.#bodies.push({ queueMessageId, body: JSON.stringify(message), visibleAt });
    return { queueMessageId };
  }

  /**
   * Puts bodies back as they were (a DLQ redrive keeps bodies unchanged), visible from
   * `visibleAt` (epoch ms; a failed record comes back after the visibility timeout).
   */
  pushRaw(bodies: readonly string[], visibleAt = 0): void {
    for (const body of bodies) {
      this.#bodies.push({ queueMessageId: randomUUID(), body, visibleAt });
    }
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

  /** Takes the messages whose delay has passed at `now`, oldest first; the others stay. */
  receiveDue(now: Date): QueueMessage[] {
    const due = this.#bodies.filter((item) => item.visibleAt <= now.getTime());
    for (const item of due) this.#bodies.splice(this.#bodies.indexOf(item), 1);
    return due.map((item) => v.parse(QueueMessageSchema, JSON.parse(item.body)));
  }

  /** When the next delayed message becomes visible (epoch ms), if any waits. */
  nextVisibleAt(): number | undefined {
    const times = this.#bodies.map((item) => item.visibleAt);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  clear(): void {
    this.#bodies.length = 0;
  }
}
