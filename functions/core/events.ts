import * as v from 'valibot';

/**
 * The HappyColis envelope and the four `location/fulfillment_service_integration/*` events.
 *
 * Ids are opaque non-empty strings: the documented samples use ids that are not valid UUIDs
 * (`r9s0t1u2-v3w4-…`) and must be accepted exactly as printed.
 */

export const INTEGRATION_STATES = ['PENDING', 'ACTIVE', 'INACTIVE', 'ERROR'] as const;
export type IntegrationState = (typeof INTEGRATION_STATES)[number];

const PREFIX = 'location/fulfillment_service_integration/';

export const EVENT_TYPES = {
  created: `${PREFIX}created`,
  accepted: `${PREFIX}accepted`,
  rejected: `${PREFIX}rejected`,
  errored: `${PREFIX}errored`,
} as const;

/** Short name of a known lifecycle event: `created`, `accepted`, `rejected`, `errored`. */
export type LifecycleStep = keyof typeof EVENT_TYPES;
export const LIFECYCLE_STEPS = Object.keys(EVENT_TYPES) as LifecycleStep[];

const stepByType = new Map<string, LifecycleStep>(
  LIFECYCLE_STEPS.map((step) => [EVENT_TYPES[step], step]),
);

/** The lifecycle step of an event type, or `undefined` for a type this receiver doesn't know. */
export const stepOf = (type: string): LifecycleStep | undefined => stepByType.get(type);

const OpaqueId = v.pipe(v.string(), v.trim(), v.nonEmpty('must be a non-empty string'));

/** An ISO 8601 timestamp with a time zone, normalised to `toISOString()` (UTC, milliseconds). */
const EventDate = v.pipe(
  v.string(),
  v.isoTimestamp('must be an ISO 8601 timestamp with a time zone'),
  v.transform((value) => new Date(value).toISOString()),
);

export const HeaderSchema = v.object({
  organizationId: OpaqueId,
  messageId: OpaqueId,
  webhookId: OpaqueId,
  type: OpaqueId,
  date: EventDate,
});
export type Header = v.InferOutput<typeof HeaderSchema>;

export const IntegrationBodySchema = v.object({
  id: OpaqueId,
  locationId: OpaqueId,
  fulfillmentServiceId: OpaqueId,
  /** A credential. Kept on the integration item only; never logged, alerted or returned. */
  accessToken: v.nullish(v.string(), null),
  scopes: v.array(v.string()),
  state: v.nullish(v.picklist(INTEGRATION_STATES), null),
});
export type IntegrationBody = v.InferOutput<typeof IntegrationBodySchema>;

export const IntegrationEventSchema = v.object({
  header: HeaderSchema,
  body: IntegrationBodySchema,
});
/** A validated lifecycle event of a known type. */
export type IntegrationEvent = v.InferOutput<typeof IntegrationEventSchema> & {
  readonly step: LifecycleStep;
};

/**
 * An authentic event whose type this receiver doesn't know: recorded and counted, not applied.
 * Its body must still name the integration, or there is nothing to record it against.
 */
const UnknownEventSchema = v.object({
  header: HeaderSchema,
  body: v.looseObject({ id: OpaqueId }),
});
export type UnknownEvent = v.InferOutput<typeof UnknownEventSchema>;

/** `code` may arrive as a number or a string (numeric or not); it is kept as a string. */
export const DeliveryErrorNoticeSchema = v.object({
  code: v.pipe(
    v.union([v.pipe(v.number(), v.finite()), v.string()], 'must be a number or a string'),
    v.transform(String),
  ),
  endpoint: v.pipe(v.string(), v.nonEmpty('must be a non-empty string')),
  message: v.string(),
});
export type DeliveryErrorNotice = v.InferOutput<typeof DeliveryErrorNoticeSchema>;

/** One readable validation problem: where, and what is wrong. */
export interface ValidationError {
  readonly path: string;
  readonly message: string;
}

export type Parsed<T> =
  | { readonly success: true; readonly value: T }
  | { readonly success: false; readonly errors: readonly ValidationError[] };

const toErrors = (issues: readonly v.BaseIssue<unknown>[]): ValidationError[] =>
  issues.map((issue) => ({
    path: v.getDotPath(issue) ?? '(root)',
    message: issue.message,
  }));

const parseJson = (text: string): Parsed<unknown> => {
  try {
    return { success: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { success: false, errors: [{ path: '(root)', message: `invalid JSON: ${reason}` }] };
  }
};

export type WebhookEvent =
  | { readonly kind: 'lifecycle'; readonly event: IntegrationEvent }
  | { readonly kind: 'unknown'; readonly event: UnknownEvent };

/** Validates an already-parsed HappyColis webhook. The event type, not `body.state`, decides. */
export const validateWebhook = (input: unknown): Parsed<WebhookEvent> => {
  const header = v.safeParse(v.object({ header: HeaderSchema }), input);
  if (!header.success) {
    return { success: false, errors: toErrors(header.issues) };
  }
  const step = stepOf(header.output.header.type);
  if (step === undefined) {
    const unknown = v.safeParse(UnknownEventSchema, input);
    return unknown.success
      ? { success: true, value: { kind: 'unknown', event: unknown.output } }
      : { success: false, errors: toErrors(unknown.issues) };
  }
  const known = v.safeParse(IntegrationEventSchema, input);
  return known.success
    ? { success: true, value: { kind: 'lifecycle', event: { ...known.output, step } } }
    : { success: false, errors: toErrors(known.issues) };
};

/** Parses and validates a HappyColis webhook body. */
export const parseWebhook = (text: string): Parsed<WebhookEvent> => {
  const json = parseJson(text);
  return json.success ? validateWebhook(json.value) : json;
};

/** Parses and validates a delivery-error notice `{code, endpoint, message}`. */
export const parseDeliveryErrorNotice = (text: string): Parsed<DeliveryErrorNotice> => {
  const json = parseJson(text);
  if (!json.success) return json;
  const notice = v.safeParse(DeliveryErrorNoticeSchema, json.value);
  return notice.success
    ? { success: true, value: notice.output }
    : { success: false, errors: toErrors(notice.issues) };
};

const TOKEN_FIELD = /("accessToken"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/**
 * Removes every `accessToken` value from a payload kept for quarantine. Works on text, so it
 * also covers payloads that are not valid JSON.
 */
export const redactAccessTokens = (text: string): string =>
  text.replace(TOKEN_FIELD, '$1"[redacted]"');
