import * as v from 'valibot';
import { parseEventDate } from './event-date.ts';
import { type Parsed, parseJson, type ValidationError } from './json.ts';
import { INTEGRATION_STATES, type LifecycleStep, stepOf } from './lifecycle.ts';
import { ERROR_TEXT_MAX_CHARS, JSON_MAX_DEPTH, truncateChars } from './limits.ts';

/**
 * The HappyColis envelope and its `location/fulfillment_service_integration/*` events (the
 * lifecycle table, `lifecycle.ts`, lists them).
 *
 * Ids are opaque non-empty strings: the documented samples use ids that are not valid UUIDs
 * (`r9s0t1u2-v3w4-…`) and must be accepted exactly as printed.
 */

export {
  EVENT_TYPES,
  INTEGRATION_STATES,
  type IntegrationState,
  LIFECYCLE_STEPS,
  type LifecycleStep,
  stepOf,
} from './lifecycle.ts';

/** In a `u` regex a well-formed pair is one code point, so this finds lone halves only. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Lone surrogates cannot be stored as UTF-8: DynamoDB would turn them into U+FFFD. */
const WellFormed = v.check<string, string>(
  (value) => !LONE_SURROGATE.test(value),
  'must be well-formed Unicode (no lone surrogate)',
);

/**
 * Ids are compared byte for byte, as received: `"ws-7"` and `" ws-7 "` are two integrations.
 * Empty or whitespace-only ids name nothing, so they are invalid.
 */
const OpaqueId = v.pipe(
  v.string(),
  v.check((value) => value.trim() !== '', 'must be a non-empty string, not only whitespace'),
  WellFormed,
);

/** An ISO 8601 / RFC 3339 date-time with an explicit offset, normalised to UTC milliseconds. */
const EventDate = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseEventDate(dataset.value);
    if (parsed.success) return parsed.iso;
    addIssue({ message: parsed.rule });
    return NEVER;
  }),
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
  accessToken: v.nullish(v.pipe(v.string(), WellFormed), null),
  scopes: v.array(v.pipe(v.string(), WellFormed)),
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
    v.union(
      [v.pipe(v.number(), v.finite('must be finite')), v.string()],
      'must be a number or a string',
    ),
    v.transform(String),
  ),
  endpoint: v.pipe(v.string(), v.nonEmpty('must be a non-empty string')),
  message: v.string(),
});
export type DeliveryErrorNotice = v.InferOutput<typeof DeliveryErrorNoticeSchema>;

export type { Parsed, ValidationError } from './json.ts';

/**
 * The rule an issue broke, in words that never quote the input: valibot's default messages
 * end in "Received …", which would echo a token that arrived with the wrong type.
 */
const ruleOf = (issue: v.BaseIssue<unknown>): string => {
  if (issue.kind !== 'schema') return issue.message;
  if (issue.input === undefined && issue.type === 'object') return 'is required';
  return `must be ${issue.expected ?? 'of another type'}`;
};

const toErrors = (issues: readonly v.BaseIssue<unknown>[]): ValidationError[] =>
  issues.map((issue) => ({
    path: truncateChars(v.getDotPath(issue) ?? '(root)', ERROR_TEXT_MAX_CHARS),
    message: truncateChars(ruleOf(issue), ERROR_TEXT_MAX_CHARS),
  }));

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
  const json = parseJson(text, JSON_MAX_DEPTH);
  return json.success ? validateWebhook(json.value) : json;
};

/** Parses and validates a delivery-error notice `{code, endpoint, message}`. */
export const parseDeliveryErrorNotice = (text: string): Parsed<DeliveryErrorNotice> => {
  const json = parseJson(text, JSON_MAX_DEPTH);
  if (!json.success) return json;
  const notice = v.safeParse(DeliveryErrorNoticeSchema, json.value);
  return notice.success
    ? { success: true, value: notice.output }
    : { success: false, errors: toErrors(notice.issues) };
};

export { redactAccessTokens } from './redaction.ts';
