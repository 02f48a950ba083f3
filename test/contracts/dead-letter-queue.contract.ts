import { describe, expect, it } from 'vitest';
import type { DeadLetterQueue } from '../../functions/core/ports.ts';

/** What the contract needs around a `DeadLetterQueue`: a way to dead-letter, a way to look. */
export interface DeadLetterHarness {
  readonly dlq: DeadLetterQueue;
  /** Puts a message body in the DLQ, as SQS does after `maxReceiveCount`. */
  deadLetter(body: string): Promise<void>;
  /** Takes every body now waiting on the event queue. */
  takeFromQueue(): Promise<string[]>;
  /** Resolves once a redrive started has ended. */
  settled(): Promise<void>;
}

/**
 * What every `DeadLetterQueue` must do, against the twin and the local runtime's adapter.
 * (The cloud adapter's move task has no emulator; `test/adapters/sqs-dead-letter-queue.test.ts`
 * checks the requests it makes.)
 */
export const describeDeadLetterQueueContract = (name: string, harness: () => DeadLetterHarness) =>
  describe(`DeadLetterQueue contract: ${name}`, () => {
    it('counts, samples without taking, and redrives everything back unchanged', async () => {
      const { dlq, deadLetter, takeFromQueue, settled } = harness();
      await takeFromQueue();
      const bodies = ['{"kind":"webhook","n":1}', '{"kind":"webhook","n":2}'];
      for (const body of bodies) await deadLetter(body);

      const inspected = await dlq.inspect(2);
      expect(inspected.count).toBe(2);
      expect(inspected.sample.length).toBeGreaterThanOrEqual(1);
      expect(inspected.oldestSentAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect((await dlq.inspect(0)).count).toBe(2);
      expect(await dlq.redriveStatus()).toMatchObject({ status: 'NONE', moved: 0 });

      const started = await dlq.startRedrive(100);
      expect(['RUNNING', 'COMPLETED']).toContain(started.status);
      await settled();
      expect(await dlq.redriveStatus()).toMatchObject({ status: 'COMPLETED', moved: 2 });
      expect((await dlq.inspect(0)).count).toBe(0);
      expect((await takeFromQueue()).sort()).toEqual(bodies);
    });
  });
