import * as v from 'valibot';
import { INTEGRATION_STATES, LIFECYCLE_STEPS, type LifecycleStep } from '../core/lifecycle.ts';
import type { HistoryEntry, StoredIntegration } from '../core/ports.ts';
import type { Register, Registers } from '../core/state.ts';
import { integrationIdOf } from '../definitions/table-keys.ts';

/**
 * How the integration item and its history items are stored, and read back: the one place
 * that knows their attributes (`DynamoIntegrationStore` writes them).
 */

/**
 * A register as stored. It keeps what cannot be derived: the ordering key (which holds the
 * event's date and messageId) and the state. The organization, location, service, webhookId
 * and scopes are stored only when they differ from the item's own top-level values (those of
 * the latest event written), which are the same for nearly every event of an integration;
 * this keeps the item under 1 KB, one write unit, with every register. Registers written
 * in full by earlier versions read the same.
 */
const RegisterSchema = v.object({
  key: v.string(),
  date: v.optional(v.string()),
  messageId: v.optional(v.string()),
  webhookId: v.optional(v.string()),
  organizationId: v.optional(v.string()),
  locationId: v.optional(v.string()),
  fulfillmentServiceId: v.optional(v.string()),
  scopes: v.optional(v.array(v.string())),
  state: v.picklist(INTEGRATION_STATES),
});
type StoredRegister = v.InferOutput<typeof RegisterSchema>;

/** One optional register per lifecycle step, each stored under its step's name. */
const RegisterFields = Object.fromEntries(
  LIFECYCLE_STEPS.map((step) => [step, v.optional(RegisterSchema)]),
) as Record<LifecycleStep, v.OptionalSchema<typeof RegisterSchema, undefined>>;

const IntegrationItemSchema = v.object({
  pk: v.string(),
  organizationId: v.optional(v.string()),
  locationId: v.optional(v.string()),
  fulfillmentServiceId: v.optional(v.string()),
  webhookId: v.optional(v.string()),
  scopes: v.optional(v.array(v.string())),
  ...RegisterFields,
  accessToken: v.optional(v.string()),
});

/** What every register shares with the item's top level unless it says otherwise. */
export interface Owner {
  readonly organizationId: string;
  readonly locationId: string;
  readonly fulfillmentServiceId: string;
  readonly webhookId: string;
  readonly scopes: readonly string[];
}
export const OWNER_FIELDS = [
  'organizationId',
  'locationId',
  'fulfillmentServiceId',
  'webhookId',
  'scopes',
] as const;
export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The date and messageId held in an ordering key `<date>#<rank>#<messageId>`. */
const fromKey = (key: string) => {
  const first = key.indexOf('#');
  const second = key.indexOf('#', first + 1);
  return { date: key.slice(0, first), messageId: key.slice(second + 1) };
};

/** A stored register, whole again. */
const expand = (stored: StoredRegister, owner: Partial<Owner>): Register => {
  const derived = fromKey(stored.key);
  const field = <K extends (typeof OWNER_FIELDS)[number]>(name: K): Owner[K] => {
    const value = stored[name] ?? owner[name];
    if (value === undefined) throw new Error(`register ${stored.key} has no ${name}`);
    return value;
  };
  return {
    key: stored.key,
    date: stored.date ?? derived.date,
    messageId: stored.messageId ?? derived.messageId,
    webhookId: field('webhookId'),
    organizationId: field('organizationId'),
    locationId: field('locationId'),
    fulfillmentServiceId: field('fulfillmentServiceId'),
    scopes: [...field('scopes')],
    state: stored.state,
  };
};

/** A register as it is stored under an item whose top-level owner ids are `owner`. */
export const compact = (register: Register, owner: Owner): StoredRegister => ({
  key: register.key,
  state: register.state,
  ...Object.fromEntries(
    OWNER_FIELDS.filter((name) => !same(register[name], owner[name])).map((name) => [
      name,
      register[name],
    ]),
  ),
});

const HistoryItemSchema = v.object({
  type: v.string(),
  date: v.string(),
  messageId: v.string(),
  webhookId: v.string(),
  receivedAt: v.string(),
  key: v.optional(v.string()),
  state: v.optional(v.picklist(INTEGRATION_STATES)),
  digest: v.optional(v.string()),
});

export const toStored = (item: Record<string, unknown>): StoredIntegration => {
  const parsed = v.parse(IntegrationItemSchema, item);
  const registers: { -readonly [K in keyof Registers]: Register } = {};
  for (const step of LIFECYCLE_STEPS) {
    const register = parsed[step];
    if (register) registers[step] = expand(register, parsed);
  }
  return {
    id: integrationIdOf(parsed.pk),
    registers,
    hasAccessToken: parsed.accessToken !== undefined,
  };
};

export const toHistoryEntry = (item: Record<string, unknown>): HistoryEntry => {
  const { key, state, digest, ...rest } = v.parse(HistoryItemSchema, item);
  return {
    ...rest,
    ...(key === undefined ? {} : { key }),
    ...(state === undefined ? {} : { state }),
    ...(digest === undefined ? {} : { digest }),
  };
};
