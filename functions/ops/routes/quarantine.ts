import { futureDateProblem } from '../../core/event-date.ts';
import {
  type DeliveryErrorNotice,
  type Parsed,
  parseDeliveryErrorNotice,
  parseWebhook,
  type WebhookEvent,
} from '../../core/events.ts';
import { QuarantineFilterSchema } from '../../core/fleet.ts';
import type { EventQueue, FleetQueries, QuarantineDetail } from '../../core/ports.ts';
import type { QueueMessage } from '../../core/queue-message.ts';
import { DEFAULT_FUTURE_SKEW_HOURS } from '../../definitions/settings.ts';
import { json, pageBody, parseListQuery, type RouteHandler } from './http.ts';

/** What the redaction leaves where a token was (see `redactAccessTokens`). */
const REDACTED = '[redacted]';

/** The validators replay applies: the current code's, unless a test switches schemas. */
export interface ReplayValidators {
  readonly webhook: (text: string) => Parsed<WebhookEvent>;
  readonly notice: (text: string) => Parsed<DeliveryErrorNotice>;
}

export const CURRENT_VALIDATORS: ReplayValidators = {
  webhook: parseWebhook,
  notice: parseDeliveryErrorNotice,
};

export interface QuarantineRouteDeps {
  readonly fleet: FleetQueries;
  readonly queue: EventQueue;
  readonly clock: () => Date;
  readonly validators?: ReplayValidators;
  /** How far ahead of now an event may be dated to be replayed. @default 24 h */
  readonly futureSkewMs?: number;
}

/** `GET /quarantine?source=&limit=&cursor=`: newest first. */
export const listQuarantine =
  ({ fleet }: Pick<QuarantineRouteDeps, 'fleet'>): RouteHandler =>
  async (event) => {
    const { filter, page, digest } = parseListQuery(event, 'quarantine', QuarantineFilterSchema);
    return json(200, pageBody(await fleet.listQuarantine(filter, page), digest));
  };

const notFound = (id: string) =>
  json(404, { error: 'not_found', message: `no quarantined payload with id ${id}` });

/**
 * `GET /quarantine/{id}`: the errors, when it arrived, and the payload (credentials
 * redacted). A token kept for replay is never shown: only whether one is kept.
 */
export const showQuarantine =
  ({ fleet }: Pick<QuarantineRouteDeps, 'fleet'>): RouteHandler =>
  async (event) => {
    const id = event.pathParameters?.id ?? '';
    const detail = await fleet.getQuarantine(id);
    if (!detail) return notFound(id);
    const { accessToken, ...shown } = detail;
    return json(200, { ...shown, accessTokenKept: accessToken !== undefined });
  };

/** What replaying a record would put on the queue, or why it cannot be replayed. */
const replayMessage = (
  detail: QuarantineDetail,
  now: Date,
  validators: ReplayValidators,
  futureSkewMs: number,
):
  | { ok: true; message: QueueMessage; notes: string[] }
  | { ok: false; status: number; error: string; message: string; errors?: unknown } => {
  if (detail.payloadTruncated) {
    return {
      ok: false,
      status: 422,
      error: 'not_replayable',
      message: `only the first bytes of this payload were kept (it had ${detail.payloadTruncated.bytes} bytes): ask the sender to resend it`,
    };
  }
  const receivedAt = now.toISOString();
  if (detail.source === 'delivery-errors') {
    const notice = validators.notice(detail.payload);
    if (!notice.success) return stillInvalid(notice.errors);
    return {
      ok: true,
      message: { kind: 'delivery-error', receivedAt, notice: notice.value },
      notes: [],
    };
  }
  const parsed = validators.webhook(detail.payload);
  if (!parsed.success) return stillInvalid(parsed.errors);
  const notes: string[] = [];
  const { event } = parsed.value;
  const ahead = futureDateProblem(event.header.date, receivedAt, futureSkewMs);
  if (ahead) {
    return {
      ok: false,
      status: 422,
      error: 'still_in_the_future',
      message: `the event is still dated in the future: ${ahead.path} ${ahead.message}; nothing was replayed`,
    };
  }
  const { step: _step, ...envelope } = event as typeof event & { step?: unknown };
  let webhook: unknown = envelope;
  if (event.body.accessToken === REDACTED && detail.accessToken !== undefined) {
    // Quarantined by the processor, which kept the token apart: the replay restores it.
    webhook = { ...envelope, body: { ...event.body, accessToken: detail.accessToken } };
    notes.push('the accessToken kept with the record is restored');
  } else if (event.body.accessToken === REDACTED) {
    // The token was redacted before anything was stored: it cannot come back. Replaying it
    // as a token would store the placeholder, so the event is applied without one.
    webhook = { ...envelope, body: { ...event.body, accessToken: null } };
    notes.push(
      'the accessToken was redacted when the payload was quarantined and cannot be restored: the event is applied without a token (hasAccessToken false) until HappyColis sends a new accepted event',
    );
  }
  return { ok: true, message: { kind: 'webhook', receivedAt, webhook }, notes };
};

const stillInvalid = (errors: readonly { path: string; message: string }[]) => ({
  ok: false as const,
  status: 422,
  error: 'still_invalid',
  message: 'the payload does not validate with the current code either; nothing was replayed',
  errors,
});

/**
 * `POST /quarantine/{id}/replay`: validates the kept payload again with the current code; if
 * it is valid now, it enters the pipeline as if just received. Sent first, then marked, so a
 * crash in between replays again on retry, which the pipeline absorbs (events are idempotent
 * by identity); once marked, a replay answers `already_replayed` and sends nothing.
 */
export const replayQuarantine =
  ({
    fleet,
    queue,
    clock,
    validators = CURRENT_VALIDATORS,
    futureSkewMs = DEFAULT_FUTURE_SKEW_HOURS * 3_600_000,
  }: QuarantineRouteDeps): RouteHandler =>
  async (event) => {
    const id = event.pathParameters?.id ?? '';
    const detail = await fleet.getQuarantine(id);
    if (!detail) return notFound(id);
    if (detail.replayedAt !== undefined) {
      return json(200, { status: 'already_replayed', id, replayedAt: detail.replayedAt });
    }
    const now = clock();
    const replay = replayMessage(detail, now, validators, futureSkewMs);
    if (!replay.ok) {
      const { ok: _ok, status, ...body } = replay;
      return json(status, { ...body, id });
    }
    const { queueMessageId } = await queue.send(replay.message);
    const marked = await fleet.markQuarantineReplayed(id, now);
    return json(marked === 'already' ? 200 : 202, {
      status: marked === 'already' ? 'already_replayed' : 'replayed',
      id,
      queueMessageId,
      notes: replay.notes,
    });
  };
