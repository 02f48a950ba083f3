import type {
  DeadLetterQueue,
  DeadLetterSample,
  RedriveStatus,
} from '../../functions/core/ports.ts';
import type { InMemoryEventQueue } from './event-queue.ts';
import { Faults } from './faults.ts';

/**
 * The DLQ in memory: dead letters are queue message bodies; a redrive moves them all back
 * to the event queue twin at once and reports `COMPLETED`.
 */
export class InMemoryDeadLetterQueue implements DeadLetterQueue {
  readonly faults = new Faults<DeadLetterQueue>();
  readonly #letters: { sqsMessageId: string; body: string; sentAt: string }[] = [];
  readonly #queue: InMemoryEventQueue;
  #status: RedriveStatus = { status: 'NONE', moved: 0 };

  constructor(queue: InMemoryEventQueue) {
    this.#queue = queue;
  }

  /** Puts a message body in the DLQ, as SQS does after `maxReceiveCount`. */
  add(body: string, sentAt = '2024-06-12T00:00:00.000Z'): void {
    this.#letters.push({ sqsMessageId: `dlq-${this.#letters.length}`, body, sentAt });
  }

  async inspect(sample: number) {
    this.faults.enter('inspect', [sample]);
    const letters = this.#letters.slice(0, sample);
    const samples: DeadLetterSample[] = letters.map((letter) => ({
      sqsMessageId: letter.sqsMessageId,
      sentAt: letter.sentAt,
      kind: 'webhook',
      summary: '(twin)',
      diagnosis: '(twin)',
    }));
    const oldest = this.#letters.map((letter) => letter.sentAt).sort()[0];
    return {
      count: this.#letters.length,
      ...(oldest && sample > 0 ? { oldestSentAt: oldest } : {}),
      sample: samples,
    };
  }

  async startRedrive(ratePerSecond: number): Promise<RedriveStatus> {
    this.faults.enter('startRedrive', [ratePerSecond]);
    const letters = this.#letters.splice(0);
    this.#queue.pushRaw(letters.map((letter) => letter.body));
    this.#status = { status: 'COMPLETED', moved: letters.length, toMove: letters.length };
    return this.#status;
  }

  async redriveStatus(): Promise<RedriveStatus> {
    this.faults.enter('redriveStatus', []);
    return this.#status;
  }
}
