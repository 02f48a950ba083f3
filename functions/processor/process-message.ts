import { createHash } from 'node:crypto';
import {
  deliveryErrorAlert,
  integrationErroredAlert,
  integrationRejectedAlert,
  quarantinedAlert,
} from '../core/alert-content.ts';
import type { Alert } from '../core/alerts.ts';
import { ReceiverError } from '../core/errors.ts';
import {
  type IntegrationEvent,
  type IntegrationState,
  type UnknownEvent,
  validateWebhook,
} from '../core/events.ts';
import type { AlertPublisher, IntegrationStore, RecordRef } from '../core/ports.ts';
import { quarantinePayload } from '../core/quarantine.ts';
import type { QueueMessage } from '../core/queue-message.ts';
import {
  conditionFor,
  currentOf,
  effectOf,
  eventIdentity,
  eventKey,
  whyNotApplied,
} from '../core/state.ts';
import { historyEntryOf, integrationView } from '../core/view.ts';
import { expiresAt } from '../definitions/expiry.ts';
import { PROCESSOR_TIMEOUT_SECONDS, retention } from '../definitions/resources.ts';

/** What processing one queue message did. A value, never an exception. */
export type Outcome =
  | {
      readonly kind: 'applied' | 'stale' | 'duplicate' | 'anomaly';
      readonly integrationId: string;
      readonly type: string;
      /** The integration's state after this message; `null` when it was not read (duplicates). */
      readonly state: IntegrationState | null;
      readonly alerted: boolean;
    }
  | { readonly kind: 'ignored'; readonly integrationId: string; readonly type: string }
  | { readonly kind: 'quarantined'; readonly id: string; readonly alerted: boolean }
  | { readonly kind: 'notice'; readonly id: string; readonly alerted: boolean };

export interface ProcessorDeps {
  readonly store: IntegrationStore;
  readonly alerts: AlertPublisher;
  readonly clock: () => Date;
  /** How long an owed alert is left to its writer; tests shorten it. @default ALERT_LEASE_MS */
  readonly alertLeaseMs?: number;
}

/** A queue message that does not validate any more: it fails, is retried, then dead-lettered. */
export class InvalidQueueMessageError extends ReceiverError {}

/** Lifecycle steps whose every distinct event alerts someone. */
const ALERTING_STEPS = new Set<IntegrationEvent['step']>(['errored', 'rejected']);

/** Raised when a duplicate finds an alert owed that its first writer may still be sending. */
export class AlertInFlightError extends ReceiverError {
  constructor(incident: string) {
    super(`the alert for ${incident} is owed and may still be in flight; retrying later`);
  }
}

const timing = (now: Date, days: number) => ({
  recordedAt: now.toISOString(),
  expiresAt: expiresAt(now, days),
});

/** No processor run outlives its timeout: an alert still owed after that was abandoned. */
const ALERT_LEASE_MS = PROCESSOR_TIMEOUT_SECONDS * 1000;

const sha256 = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

/** Delivery-error notices repeat while an outage lasts; one alert per notice per hour. */
const NOTICE_BUCKET_MS = 60 * 60 * 1000;

/**
 * Errors that retrying cannot fix, because the message's content is what was refused: a
 * queued webhook that no longer validates, DynamoDB's `ValidationException` (a key or item
 * beyond its limits), SNS's invalid-parameter errors (a message beyond its limits), and the
 * SDK's own `URIError` when a value cannot be encoded in a request. Each maps
 * to a reason that names the service and the error class, never the values refused.
 */
const contentFailure = (error: unknown): string | undefined => {
  if (error instanceof InvalidQueueMessageError) {
    return 'the queued webhook no longer validates against the current schema';
  }
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'URIError') {
    return 'the AWS SDK could not encode a request for it (a character it cannot send)';
  }
  if (
    error.name === 'ValidationException' ||
    error.name === 'ItemCollectionSizeLimitExceededException'
  ) {
    return `DynamoDB refused to store it (${error.name}: a key or the item exceeds a DynamoDB limit, or a value is invalid)`;
  }
  if (
    /^(InvalidParameter|InvalidParameterValue|ParameterValueInvalid)(Exception)?$/.test(error.name)
  ) {
    return `SNS refused its alert (${error.name}: the alert exceeds an SNS limit or holds a character SNS refuses)`;
  }
  return undefined;
};

/**
 * Applies one queue message: at most two conditional writes for an event, issued together,
 * each idempotent on its own (a crash between them is repaired by redelivery); then the alert
 * it owes, if any.
 *
 * A failure caused by the message's content (see `contentFailure`) is not retried: retrying
 * cannot fix it, and SQS would cycle it to the DLQ. The message is quarantined instead, with
 * the reason, and alerted. Every other error (throttling, timeouts, 5xx, bugs) propagates so
 * the record is retried.
 */
export const processMessage = async (
  message: QueueMessage,
  deps: ProcessorDeps,
): Promise<Outcome> => {
  try {
    return await applyMessage(message, deps);
  } catch (error) {
    const reason = contentFailure(error);
    // A quarantine that cannot be stored has nowhere else to go: it fails, retried, then DLQ.
    if (reason === undefined || message.kind === 'quarantine' || message.kind === 'alert-flush') {
      throw error;
    }
    const text = JSON.stringify(message.kind === 'webhook' ? message.webhook : message.notice);
    return quarantine(
      {
        kind: 'quarantine',
        receivedAt: message.receivedAt,
        source: message.kind === 'webhook' ? 'happycolis' : 'delivery-errors',
        errors: [{ path: '(processor)', message: reason }],
        ...quarantinePayload(text),
      },
      deps,
    );
  }
};

const applyMessage = async (message: QueueMessage, deps: ProcessorDeps): Promise<Outcome> => {
  switch (message.kind) {
    case 'webhook': {
      const parsed = validateWebhook(message.webhook);
      if (!parsed.success) {
        const detail = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
        throw new InvalidQueueMessageError(`queued webhook no longer validates: ${detail}`);
      }
      return parsed.value.kind === 'lifecycle'
        ? applyLifecycleEvent(parsed.value.event, message.receivedAt, deps)
        : recordUnknownEvent(parsed.value.event, message.receivedAt, deps);
    }
    case 'quarantine':
      return quarantine(message, deps);
    case 'delivery-error':
      return recordNotice(message, deps);
    case 'alert-flush':
      throw new InvalidQueueMessageError('alert groups are not flushed by this version');
  }
};

const applyLifecycleEvent = async (
  event: IntegrationEvent,
  receivedAt: string,
  deps: ProcessorDeps,
): Promise<Outcome> => {
  const { store } = deps;
  const now = deps.clock();
  const integrationId = event.body.id;
  const owesAlert = ALERTING_STEPS.has(event.step);
  const [recorded, stored] = await Promise.all([
    store.recordEvent(integrationId, historyEntryOf(event, receivedAt), {
      owesAlert,
      ...timing(now, retention.historyDays),
    }),
    store.applyEvent(event, now),
  ]);

  // What the event did. A refused update on an event seen for the first time costs one read,
  // to tell an older event (stale) from one after a rejection (anomaly).
  let kind: 'applied' | 'stale' | 'duplicate' | 'anomaly';
  let integration = stored;
  if (stored) {
    kind = effectOf(eventKey(event), stored.registers);
  } else if (recorded === 'exists') {
    kind = 'duplicate';
  } else {
    integration = await store.getIntegration(integrationId);
    kind = whyNotApplied(conditionFor(event), integration?.registers ?? {});
  }

  const ref: RecordRef = {
    kind: 'event',
    integrationId,
    eventId: eventIdentity(event.header),
  };
  const alerted =
    owesAlert &&
    (await alertOnce(ref, recorded, deps, async () => {
      const { integration: current, history } =
        await store.getIntegrationWithHistory(integrationId);
      const view = integrationView(integrationId, current, history);
      if (!view) throw new Error(`integration ${integrationId} vanished while alerting`);
      return event.step === 'rejected'
        ? integrationRejectedAlert(event, view)
        : integrationErroredAlert(event, view);
    }));

  const state = integration ? (currentOf(integration.registers)?.register.state ?? null) : null;
  return { kind, integrationId, type: event.header.type, state, alerted };
};

const recordUnknownEvent = async (
  event: UnknownEvent,
  receivedAt: string,
  { store, clock }: ProcessorDeps,
): Promise<Outcome> => {
  await store.recordEvent(
    event.body.id,
    {
      type: event.header.type,
      date: event.header.date,
      messageId: event.header.messageId,
      webhookId: event.header.webhookId,
      receivedAt,
    },
    { owesAlert: false, ...timing(clock(), retention.historyDays) },
  );
  return { kind: 'ignored', integrationId: event.body.id, type: event.header.type };
};

const quarantine = async (
  message: Extract<QueueMessage, { kind: 'quarantine' }>,
  deps: ProcessorDeps,
): Promise<Outcome> => {
  const payload = Buffer.from(message.payloadBase64, 'base64').toString('utf8');
  const id = sha256(message.source, payload);
  const ref = { kind: 'quarantine', id } as const;
  const recorded = await deps.store.recordQuarantine(
    ref,
    {
      source: message.source,
      receivedAt: message.receivedAt,
      errors: message.errors,
      payload,
      ...(message.payload ? { payloadTruncated: message.payload } : {}),
    },
    timing(deps.clock(), retention.quarantineDays),
  );
  const alerted = await alertOnce(ref, recorded, deps, async () =>
    quarantinedAlert({
      id,
      source: message.source,
      receivedAt: message.receivedAt,
      errors: message.errors,
    }),
  );
  return { kind: 'quarantined', id, alerted };
};

const recordNotice = async (
  message: Extract<QueueMessage, { kind: 'delivery-error' }>,
  deps: ProcessorDeps,
): Promise<Outcome> => {
  const { notice, receivedAt } = message;
  const bucket = Math.floor(Date.parse(receivedAt) / NOTICE_BUCKET_MS);
  const id = sha256(notice.code, notice.endpoint, notice.message, String(bucket));
  const ref = { kind: 'notice', id } as const;
  const recorded = await deps.store.recordNotice(
    ref,
    { ...notice, receivedAt },
    timing(deps.clock(), retention.noticeDays),
  );
  const alerted = await alertOnce(ref, recorded, deps, async () =>
    deliveryErrorAlert({ id, receivedAt, notice }),
  );
  return { kind: 'notice', id, alerted };
};

/**
 * Publishes the alert a record owes, once. The writer of a new record publishes. A duplicate
 * finding the alert still owed publishes only if the record is older than a processor run
 * (its writer crashed or failed to publish); a younger one may still be in flight, so the
 * duplicate fails and is retried after the visibility timeout rather than racing it. The
 * record is marked sent after the publish, so a crash in between re-sends (at least once,
 * never zero times); subscribers dedupe on `incidentKey`.
 */
const alertOnce = async (
  ref: RecordRef,
  recorded: 'recorded' | 'exists',
  { store, alerts, clock, alertLeaseMs = ALERT_LEASE_MS }: ProcessorDeps,
  build: () => Promise<Alert>,
): Promise<boolean> => {
  if (recorded === 'exists') {
    const status = await store.alertStatus(ref);
    if (status.status !== 'owed') return false;
    if (clock().getTime() - Date.parse(status.recordedAt) < alertLeaseMs) {
      throw new AlertInFlightError(
        ref.kind === 'event' ? `${ref.integrationId} ${ref.eventId}` : ref.id,
      );
    }
  }
  await alerts.publish(await build());
  await store.markAlertSent(ref, clock());
  return true;
};
