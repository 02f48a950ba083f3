import { createHash } from 'node:crypto';
import {
  createAlertGroups,
  type FlushDeps,
  type FlushOutcome,
  flushGroup,
} from '../alerting/alert-groups.ts';
import {
  deliveryErrorAlert,
  integrationErroredAlert,
  integrationRejectedAlert,
  integrationResolvedAlert,
  quarantinedAlert,
} from '../alerting/domain/content.ts';
import { erroredGroupKey } from '../alerting/domain/grouping.ts';
import type { Alert } from '../core/alerts.ts';
import { ReceiverError } from '../core/errors.ts';
import {
  type IntegrationEvent,
  type IntegrationState,
  type UnknownEvent,
  validateWebhook,
} from '../core/events.ts';
import {
  alertOf,
  ERROR_STEPS,
  type LifecycleAlertKind,
  RECOVERABLE_ALERT,
  RECOVERED_STATES,
  RECOVERY_STEPS,
} from '../core/lifecycle.ts';
import type { IntegrationStore, StoredIntegration } from '../core/ports.ts';
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
import { historyEntryOf, type IntegrationView, integrationView } from '../core/view.ts';
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
      /** A new incident was recorded for it (its alert goes out with its group). */
      readonly alerted: boolean;
      /** Reported incidents of this integration that this event resolved. */
      readonly resolved: number;
    }
  | { readonly kind: 'ignored'; readonly integrationId: string; readonly type: string }
  | { readonly kind: 'quarantined'; readonly id: string; readonly alerted: boolean }
  | { readonly kind: 'notice'; readonly id: string; readonly alerted: boolean }
  | { readonly kind: 'alert-flush'; readonly flush: FlushOutcome };

export interface ProcessorDeps {
  readonly store: IntegrationStore;
  /** The alert ledger, the event queue (flush messages), the SNS publisher and the pacing. */
  readonly alerting: Omit<FlushDeps, 'clock' | 'leaseMs'> & {
    /** How long a flush or a claimed channel is left to its holder. @default ALERT_LEASE_MS */
    readonly leaseMs?: number;
  };
  readonly clock: () => Date;
}

/** A queue message that does not validate any more: it fails, is retried, then dead-lettered. */
export class InvalidQueueMessageError extends ReceiverError {}

/** The alert each lifecycle alert kind builds, from the event and the integration's view. */
const LIFECYCLE_ALERTS: {
  readonly [K in LifecycleAlertKind]: (event: IntegrationEvent, view: IntegrationView) => Alert;
} = {
  'integration-errored': integrationErroredAlert,
  'integration-rejected': integrationRejectedAlert,
};

const timing = (now: Date, days: number) => ({
  recordedAt: now.toISOString(),
  expiresAt: expiresAt(now, days),
});

/** No processor run outlives its timeout: a flush or a claim still held after that was abandoned. */
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
      return { kind: 'alert-flush', flush: await flushGroup(message, flushDepsOf(deps)) };
  }
};

const flushDepsOf = ({ alerting, clock }: ProcessorDeps): FlushDeps => ({
  ...alerting,
  clock,
  leaseMs: alerting.leaseMs ?? ALERT_LEASE_MS,
});

/** Records the alert an incident owes; `true` when this call recorded it. */
/** One `createAlertGroups` per set of dependencies: it remembers the flushes it sent. */
const groupsByDeps = new WeakMap<ProcessorDeps['alerting'], ReturnType<typeof createAlertGroups>>();

const owe = async (alert: Alert, deps: ProcessorDeps): Promise<boolean> => {
  let groups = groupsByDeps.get(deps.alerting);
  if (!groups) {
    groups = createAlertGroups({ ...deps.alerting, clock: deps.clock });
    groupsByDeps.set(deps.alerting, groups);
  }
  return (await groups.owe(alert)) === 'recorded';
};

const applyLifecycleEvent = async (
  event: IntegrationEvent,
  receivedAt: string,
  deps: ProcessorDeps,
): Promise<Outcome> => {
  const { store } = deps;
  const now = deps.clock();
  const integrationId = event.body.id;
  const [recorded, stored] = await Promise.all([
    store.recordEvent(
      integrationId,
      historyEntryOf(event, receivedAt),
      timing(now, retention.historyDays),
    ),
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

  const view = async () => {
    const { integration: current, history } = await store.getIntegrationWithHistory(integrationId);
    const built = integrationView(integrationId, current, history);
    if (!built) throw new Error(`integration ${integrationId} vanished while alerting`);
    return built;
  };

  // Every distinct event of an alerting step owes an alert; the ledger keeps it to one per
  // incident however often the event is redelivered or resent. An error that arrives after the
  // recovery that ended it is history, not an incident.
  let alerted = false;
  const alertKind = alertOf(event.step);
  if (
    alertKind !== null &&
    !(alertKind === RECOVERABLE_ALERT && recoveredSince(kind, integration))
  ) {
    alerted = await owe(LIFECYCLE_ALERTS[alertKind](event, await view()), deps);
  }

  // A duplicate is checked too: its first delivery may have crashed before resolving.
  let resolved = 0;
  if (RECOVERY_STEPS.includes(event.step) && (kind === 'applied' || kind === 'duplicate')) {
    integration ??= await store.getIntegration(integrationId);
    resolved = await resolveIncidents(event, integration, view, deps);
  }

  const state = integration ? (currentOf(integration.registers)?.register.state ?? null) : null;
  return { kind, integrationId, type: event.header.type, state, alerted, resolved };
};

/** Whether a stale event's integration already stands on ACTIVE or PENDING. */
const recoveredSince = (
  kind: 'applied' | 'stale' | 'duplicate' | 'anomaly',
  integration: StoredIntegration | undefined,
): boolean => {
  if (kind !== 'stale' || !integration) return false;
  const state = currentOf(integration.registers)?.register.state;
  return state !== undefined && RECOVERED_STATES.has(state);
};

/**
 * When `event` is what the integration now stands on and that is a recovered state (ACTIVE or
 * PENDING), every `integration-errored` incident of the integration is over: each one that was
 * reported gets a resolved notice, in a group of its own, flushed like any other; one not yet
 * reported is dropped from its group. Only integrations that ever errored cost a ledger read.
 */
const resolveIncidents = async (
  event: IntegrationEvent,
  integration: StoredIntegration | undefined,
  view: () => Promise<IntegrationView>,
  deps: ProcessorDeps,
): Promise<number> => {
  if (!integration || !ERROR_STEPS.some((step) => integration.registers[step])) return 0;
  const current = currentOf(integration.registers);
  if (
    current?.step !== event.step ||
    current.register.key !== eventKey(event) ||
    !RECOVERED_STATES.has(current.register.state)
  ) {
    return 0;
  }
  const reported = await deps.alerting.ledger.resolve(erroredGroupKey(event), event.body.id, {
    eventId: eventIdentity(event.header),
    at: deps.clock(),
  });
  if (reported.length === 0) return 0;
  const now = await view();
  for (const alert of reported) {
    await owe(integrationResolvedAlert({ reported: alert, event, view: now }), deps);
  }
  return reported.length;
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
    timing(clock(), retention.historyDays),
  );
  return { kind: 'ignored', integrationId: event.body.id, type: event.header.type };
};

const quarantine = async (
  message: Extract<QueueMessage, { kind: 'quarantine' }>,
  deps: ProcessorDeps,
): Promise<Outcome> => {
  const payload = Buffer.from(message.payloadBase64, 'base64').toString('utf8');
  const id = sha256(message.source, payload);
  await deps.store.recordQuarantine(
    { kind: 'quarantine', id },
    {
      source: message.source,
      receivedAt: message.receivedAt,
      errors: message.errors,
      payload,
      ...(message.payload ? { payloadTruncated: message.payload } : {}),
    },
    timing(deps.clock(), retention.quarantineDays),
  );
  const alerted = await owe(
    quarantinedAlert({
      id,
      source: message.source,
      receivedAt: message.receivedAt,
      errors: message.errors,
    }),
    deps,
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
  await deps.store.recordNotice(
    { kind: 'notice', id },
    { ...notice, receivedAt },
    timing(deps.clock(), retention.noticeDays),
  );
  const alerted = await owe(deliveryErrorAlert({ id, receivedAt, notice }), deps);
  return { kind: 'notice', id, alerted };
};
