import type { IntegrationEvent } from './events.ts';
import {
  AFTER_REJECTION_STEPS,
  ATTEMPT_ENDING_STEPS,
  countsAfterRejection,
  type IntegrationState,
  LIFECYCLE_STEPS,
  type LifecycleStep,
  rankOf,
  stateAfter,
  type TokenChange,
  tokenChangeOf,
} from './lifecycle.ts';

/**
 * The state rules, written once.
 *
 * Events are ordered by `(header.date, lifecycle rank, messageId)`. Arrival order is never
 * trusted: the integration item keeps one *register* per lifecycle step holding the greatest
 * event of that step seen so far, and the current state is derived from the registers:
 *
 * - no attempt-ending event (`rejected`) seen: the state of the greatest event of any step;
 * - one seen: the connection attempt is over, so only the steps that still count after a
 *   rejection (`lifecycle.ts`) decide; the state is that of the greatest of those.
 *
 * Each register only ever moves forward (a conditional write: "this event is greater than the
 * one stored for its step"), so the result depends on the set of events only — not on their
 * order, not on duplicates — and concurrent writers cannot undo each other.
 */

/**
 * The ordering key of an event: `<ISO date>#<rank>#<messageId>`. ISO dates from
 * `toISOString()` have a fixed width, so comparing keys as strings compares
 * `(date, rank, messageId)` in that order. DynamoDB compares strings by their UTF-8 bytes;
 * {@link compareKeys} does the same, so the store's condition and the core agree.
 */
export const eventKey = (event: Pick<IntegrationEvent, 'header' | 'step'>): string =>
  `${event.header.date}#${rankOf(event.step)}#${event.header.messageId}`;

const utf8 = new TextEncoder();

/** Byte-wise comparison of two ordering keys, as DynamoDB compares strings. */
export const compareKeys = (a: string, b: string): number => {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    const difference = (x[i] as number) - (y[i] as number);
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
};

/**
 * The identity of an event regardless of how it was delivered: a redelivery and a resend under
 * a new `messageId` share it. History items and alert records are keyed by it.
 */
export const eventIdentity = (event: { readonly date: string; readonly type: string }): string =>
  `${event.date}#${event.type}`;

/** The state an event of a step moves the integration to. The type decides, not `body.state`. */
export const resultingState = (event: Pick<IntegrationEvent, 'step' | 'body'>): IntegrationState =>
  stateAfter(event.step, event.body.state);

/** What an event does to the token the integration item holds. */
export const tokenChange = (event: Pick<IntegrationEvent, 'step' | 'body'>): TokenChange =>
  tokenChangeOf(event.step, event.body.accessToken);

/** What the integration item keeps of the greatest event of one step. No token here. */
export interface Register {
  readonly key: string;
  readonly date: string;
  readonly messageId: string;
  readonly webhookId: string;
  readonly organizationId: string;
  readonly locationId: string;
  readonly fulfillmentServiceId: string;
  readonly scopes: readonly string[];
  readonly state: IntegrationState;
}

export type Registers = Partial<Readonly<Record<LifecycleStep, Register>>>;

export const toRegister = (event: IntegrationEvent): Register => ({
  key: eventKey(event),
  date: event.header.date,
  messageId: event.header.messageId,
  webhookId: event.header.webhookId,
  organizationId: event.header.organizationId,
  locationId: event.body.locationId,
  fulfillmentServiceId: event.body.fulfillmentServiceId,
  scopes: event.body.scopes,
  state: resultingState(event),
});

/** The event that decides the current state, and its step. */
export interface Current<R extends { readonly key: string } = Register> {
  readonly step: LifecycleStep;
  readonly register: R;
}

type RegistersOf<R> = Partial<Readonly<Record<LifecycleStep, R>>>;

const greatest = <R extends { readonly key: string }>(
  registers: RegistersOf<R>,
  steps: readonly LifecycleStep[],
): Current<R> | undefined => {
  let best: Current<R> | undefined;
  for (const step of steps) {
    const register = registers[step];
    if (register && (!best || compareKeys(register.key, best.register.key) > 0)) {
      best = { step, register };
    }
  }
  return best;
};

/** The registers of attempt-ending steps (`rejected`) that are stored. */
const endings = <R extends { readonly key: string }>(registers: RegistersOf<R>): R[] =>
  ATTEMPT_ENDING_STEPS.flatMap((step) => registers[step] ?? []);

/** Derives the current state from the registers; `undefined` when no event was applied. */
export const currentOf = <R extends { readonly key: string }>(
  registers: RegistersOf<R>,
): Current<R> | undefined =>
  greatest(registers, endings(registers).length > 0 ? AFTER_REJECTION_STEPS : LIFECYCLE_STEPS);

/**
 * What a register write must satisfy. The store turns this into its condition expression:
 * - newer than its own step: the stored register of the same step is absent or smaller;
 * - `beforeRejection`: for steps that no longer count after a rejection (`created`,
 *   `accepted`), no attempt-ending register is stored. Once rejected, those registers
 *   freeze; this also keeps a late `accepted` from writing a token back onto a rejected
 *   integration, whatever the order. A refused one is `stale` if older than the rejection, an
 *   `anomaly` if later (HappyColis requires a new integration after a rejection).
 */
export interface RegisterCondition {
  readonly step: LifecycleStep;
  readonly key: string;
  readonly beforeRejection: boolean;
}

/** The condition for writing the event whose ordering key is `key` into `step`'s register. */
export const conditionOf = (step: LifecycleStep, key: string): RegisterCondition => ({
  step,
  key,
  beforeRejection: !countsAfterRejection(step),
});

export const conditionFor = (event: Pick<IntegrationEvent, 'header' | 'step'>): RegisterCondition =>
  conditionOf(event.step, eventKey(event));

/** Only the ordering keys of the registers: all the write condition looks at. */
export type RegisterKeys = Partial<Readonly<Record<LifecycleStep, { readonly key: string }>>>;

/** Whether the condition holds for stored registers: the in-memory twin of the store's check. */
export const conditionHolds = (condition: RegisterCondition, registers: RegisterKeys): boolean => {
  const own = registers[condition.step];
  if (own && compareKeys(own.key, condition.key) >= 0) return false;
  return !(condition.beforeRejection && endings(registers).length > 0);
};

/** Why an event did not change the current state. */
export type NotAppliedReason = 'duplicate' | 'stale' | 'anomaly';

/**
 * What a register write did to the current state: `applied` when the event now decides it,
 * `stale` when it was kept in its register but an event of another step is greater (a late
 * `created` after `accepted`).
 */
export const effectOf = (key: string, registers: RegisterKeys): 'applied' | 'stale' =>
  currentOf(registers)?.register.key === key ? 'applied' : 'stale';

/** Classifies a write the store refused, from the registers as they are now. */
export const whyNotApplied = (
  condition: RegisterCondition,
  registers: RegisterKeys,
): NotAppliedReason => {
  if (registers[condition.step]?.key === condition.key) return 'duplicate';
  if (
    condition.beforeRejection &&
    endings(registers).some((ending) => compareKeys(ending.key, condition.key) < 0)
  ) {
    return 'anomaly';
  }
  return 'stale';
};

/** Applies an event to in-memory registers with the same rule the store enforces. */
export const applyToRegisters = (
  registers: Registers,
  event: IntegrationEvent,
): { readonly applied: boolean; readonly registers: Registers } =>
  conditionHolds(conditionFor(event), registers)
    ? { applied: true, registers: { ...registers, [event.step]: toRegister(event) } }
    : { applied: false, registers };
