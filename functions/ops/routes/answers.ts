import * as v from 'valibot';
import { SubscriptionSchema } from '../../happycolis/subscriptions.ts';
import { FindingSchema, ObservationSchema } from '../../reconciler/findings.ts';
import { SweepSchema, UncheckedSchema } from '../../reconciler/sweep-state.ts';

/**
 * What the operator routes answer, as schemas: the routes type their bodies against them and
 * the CLI parses answers with them, so the two cannot disagree silently.
 */

/** A 4xx/5xx body: `error` is a code, `message` is written for the caller. */
export const ErrorAnswer = v.object({ error: v.optional(v.string()), message: v.string() });

/** A page of a list route: its items and, when more follow, an opaque cursor. */
export const pageAnswer = <T extends v.GenericSchema>(item: T) =>
  v.object({ items: v.array(item), cursor: v.optional(v.string()) });

/** A list item, loosely: the CLI renders the columns it knows and `--json` prints everything. */
export const ListItem = v.record(v.string(), v.unknown());
export const ListPageAnswer = pageAnswer(ListItem);

const PathError = v.object({ path: v.string(), message: v.string() });

/** `GET /quarantine/{id}`. */
export const QuarantineDetailAnswer = v.object({
  id: v.string(),
  source: v.string(),
  receivedAt: v.string(),
  errors: v.array(PathError),
  payload: v.string(),
  replayedAt: v.optional(v.string()),
  payloadTruncated: v.optional(v.object({ bytes: v.number() })),
  /** Whether the token the payload carried is kept (never shown) for a replay to restore. */
  accessTokenKept: v.optional(v.boolean()),
});

/** `POST /quarantine/{id}/replay`: replayed (202) or already replayed (200). */
export const ReplayAnswer = v.object({
  status: v.picklist(['replayed', 'already_replayed']),
  id: v.string(),
  queueMessageId: v.optional(v.string()),
  replayedAt: v.optional(v.string()),
  notes: v.optional(v.array(v.string())),
});

/** `POST /quarantine/{id}/replay` refused (422): why, and the validation errors if any. */
export const ReplayRefusedAnswer = v.object({
  error: v.string(),
  message: v.string(),
  id: v.string(),
  errors: v.optional(v.array(PathError)),
});

export const RedriveAnswer = v.object({
  status: v.string(),
  moved: v.number(),
  toMove: v.optional(v.number()),
  startedAt: v.optional(v.string()),
  failureReason: v.optional(v.string()),
});

/** `GET /dlq`. */
export const DeadLettersAnswer = v.object({
  count: v.number(),
  oldestSentAt: v.optional(v.string()),
  /** The oldest message's age since it was first sent, and when SQS deletes it. */
  expiry: v.optional(
    v.object({ oldestAgeDays: v.number(), expiresAt: v.string(), daysLeft: v.number() }),
  ),
  sample: v.array(v.record(v.string(), v.unknown())),
  redrive: RedriveAnswer,
});

/** `POST /dlq/redrive`. */
export const RedriveStartedAnswer = v.object({ redrive: RedriveAnswer, ratePerSecond: v.number() });

/** `GET /integrations/{id}` (the query function): the view, never the token. */
export const IntegrationViewAnswer = v.object({
  id: v.string(),
  state: v.nullable(v.string()),
  organizationId: v.nullable(v.string()),
  locationId: v.nullable(v.string()),
  fulfillmentServiceId: v.nullable(v.string()),
  hasAccessToken: v.boolean(),
  lastEventAt: v.nullable(v.string()),
  lastEventType: v.nullable(v.string()),
  history: v.array(v.record(v.string(), v.unknown())),
  /** What the reconciler last observed at HappyColis, once it has. */
  reconciliation: v.optional(ObservationSchema),
});

/** `POST /reconcile`: what this call did to the sweep, and what it found. */
export const ReconcileAnswer = v.object({
  status: v.picklist(['done', 'running']),
  sweep: SweepSchema,
  findings: v.array(FindingSchema),
  unchecked: v.array(UncheckedSchema),
});

/** `POST /reconcile` refused (409): another run holds the sweep, or it was replaced. */
export const ReconcileRefusedAnswer = v.object({
  error: v.string(),
  message: v.string(),
  sweep: v.optional(SweepSchema),
});

/** `GET /reconcile`. */
export const SweepAnswer = v.object({ sweep: SweepSchema });

/** `GET /happycolis/subscriptions`. */
export const SubscriptionsAnswer = v.object({ items: v.array(SubscriptionSchema) });

const Failure = v.object({ type: v.string(), reason: v.string() });

/** `POST /happycolis/subscriptions` (201 created, 200 nothing new, 502 some failed). */
export const SubscribeAnswer = v.object({
  endpoint: v.string(),
  created: v.array(SubscriptionSchema),
  existing: v.array(SubscriptionSchema),
  failed: v.array(Failure),
  elsewhere: v.array(SubscriptionSchema),
});

/** `POST /happycolis/unsubscribe` (502 when some could not be removed). */
export const UnsubscribeAnswer = v.object({
  removed: v.array(SubscriptionSchema),
  missing: v.array(SubscriptionSchema),
  failed: v.array(v.object({ subscription: SubscriptionSchema, reason: v.string() })),
});
