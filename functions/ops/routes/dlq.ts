import * as v from 'valibot';
import { deadLetterExpiry } from '../../core/dead-letter-expiry.ts';
import type { DeadLetterQueue } from '../../core/ports.ts';
import { DLQ_RETENTION_DAYS } from '../../definitions/resources.ts';
import { BadRequestError, json, type RouteHandler } from './http.ts';

/** SQS moves at most 500 messages/s per task; the default stays well below the processor's pace. */
export const MAX_REDRIVE_RATE = 500;
export const DEFAULT_REDRIVE_RATE = 10;
const MAX_SAMPLE = 10;

const intParam = (
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
) => {
  if (value === undefined) return fallback;
  const parsed = v.safeParse(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,4}$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    value,
  );
  if (!parsed.success) throw new BadRequestError(`${name}: ${parsed.issues[0].message}`);
  return parsed.output;
};

/**
 * `GET /dlq?sample=`: depth, oldest message (its age since it was first sent, and when SQS
 * deletes it), a sample of what failed and why, redrive progress.
 */
export const showDeadLetters =
  ({
    deadLetters,
    clock = () => new Date(),
  }: {
    deadLetters: DeadLetterQueue;
    clock?: () => Date;
  }): RouteHandler =>
  async (event) => {
    const sample = intParam(event.queryStringParameters?.sample, 'sample', 0, MAX_SAMPLE, 5);
    const [inspection, redrive] = await Promise.all([
      deadLetters.inspect(sample),
      deadLetters.redriveStatus(),
    ]);
    const expiry =
      inspection.oldestSentAt === undefined
        ? {}
        : { expiry: deadLetterExpiry(inspection.oldestSentAt, clock(), DLQ_RETENTION_DAYS) };
    return json(200, { ...inspection, ...expiry, redrive });
  };

/** A redrive is already running: SQS allows one move task per queue. */
export class RedriveRunningError extends Error {
  constructor() {
    super('a redrive of this queue is already running; wait for it to finish');
    this.name = 'RedriveRunningError';
  }
}

/** `POST /dlq/redrive?rate=`: moves every dead letter back to the event queue, rate-capped. */
export const redriveDeadLetters =
  ({ deadLetters }: { deadLetters: DeadLetterQueue }): RouteHandler =>
  async (event) => {
    const rate = intParam(
      event.queryStringParameters?.rate,
      'rate',
      1,
      MAX_REDRIVE_RATE,
      DEFAULT_REDRIVE_RATE,
    );
    const current = await deadLetters.redriveStatus();
    if (current.status === 'RUNNING') {
      return json(409, {
        error: 'conflict',
        message: new RedriveRunningError().message,
        redrive: current,
      });
    }
    return json(202, { redrive: await deadLetters.startRedrive(rate), ratePerSecond: rate });
  };
