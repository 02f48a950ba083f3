import * as v from 'valibot';
import { DeliveryErrorNoticeSchema } from './events.ts';
import { asciiJson } from './limits.ts';

/**
 * What the ingest puts on the queue and the processor takes off it: one schema, both sides.
 * The webhook travels as the validated envelope; the processor validates it again, so a
 * message that somehow doesn't match fails loudly instead of being half-applied.
 */

const ReceivedAt = v.pipe(v.string(), v.isoTimestamp());

export const QUARANTINE_SOURCES = ['happycolis', 'delivery-errors'] as const;
export type QuarantineSource = (typeof QUARANTINE_SOURCES)[number];

export const QueueMessageSchema = v.variant('kind', [
  v.object({
    kind: v.literal('webhook'),
    receivedAt: ReceivedAt,
    webhook: v.unknown(),
  }),
  v.object({
    kind: v.literal('delivery-error'),
    receivedAt: ReceivedAt,
    notice: DeliveryErrorNoticeSchema,
  }),
  v.object({
    kind: v.literal('quarantine'),
    receivedAt: ReceivedAt,
    source: v.picklist(QUARANTINE_SOURCES),
    errors: v.array(v.object({ path: v.string(), message: v.string() })),
    /**
     * The payload as received, tokens redacted, base64 so any bytes survive the queue; only
     * its first bytes when it is too large to keep whole (`payload` then says so).
     */
    payloadBase64: v.string(),
    /** Present when `payloadBase64` holds an excerpt: the whole payload's size and digest. */
    payload: v.optional(
      v.object({
        truncated: v.literal(true),
        bytes: v.number(),
        sha256: v.string(),
      }),
    ),
  }),
  v.object({
    /** Sent by whoever opened an alert group (delayed by the group window or interval). */
    kind: v.literal('alert-flush'),
    groupKey: v.pipe(v.string(), v.nonEmpty()),
    /** Not flushed before this instant: the message is delayed again if it comes early. */
    notBefore: ReceivedAt,
  }),
]);
export type QueueMessage = v.InferOutput<typeof QueueMessageSchema>;
export type QueueMessageKind = QueueMessage['kind'];

/**
 * The queue message as sent to SQS: ASCII-only JSON (see `asciiJson`), so any payload
 * survives SQS and the local emulator alike, and `JSON.parse` restores every string exactly.
 */
export const encodeQueueMessage = (message: QueueMessage): string => asciiJson(message);
