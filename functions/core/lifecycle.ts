import type { AlertKind } from './alerts.ts';

/**
 * The lifecycle of a fulfillment-service integration, one entry per HappyColis event type.
 * Everything that depends on the event type derives from this table: the known `header.type`s,
 * the ordering rank, the state an event moves to, the store's condition and item schema, what
 * happens to the token, which alert an event raises and which events end an error. Adding an
 * event type is one entry here and one documented sample (`lib/local/samples.ts`); whatever
 * else must change for it fails to compile until it does.
 */

export const INTEGRATION_STATES = ['PENDING', 'ACTIVE', 'INACTIVE', 'ERROR'] as const;
export type IntegrationState = (typeof INTEGRATION_STATES)[number];

const PREFIX = 'location/fulfillment_service_integration/';

/** Ranks are one digit in the ordering key; {@link UNKNOWN_RANK} sorts unknown types last. */
type Rank = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
export const UNKNOWN_RANK = 9;

/**
 * The state an event moves the integration to. The event type decides, not `body.state`,
 * except where the type lets the body choose among `fromBody` (then `otherwise`, also when the
 * body says nothing).
 */
export type StateRule =
  | IntegrationState
  | {
      readonly fromBody: readonly IntegrationState[];
      readonly otherwise: IntegrationState;
    };

/** What an event does to the token the integration item holds. */
export type TokenEffect =
  /** Leaves it as it is. */
  | 'keep'
  /** Holds the token the event carries, or none when it carries none. */
  | 'replace'
  /** Holds none. */
  | 'clear';

export interface StepPolicy {
  /** The `header.type` HappyColis sends. */
  readonly type: string;
  /**
   * Breaks ties between events of the same instant. Stored inside ordering keys: never
   * change an existing step's rank.
   */
  readonly rank: Rank;
  readonly state: StateRule;
  /**
   * Whether an event of this step still counts for the state once an attempt-ending event
   * (see `endsAttempt`) is stored. One that does not is refused after it: `stale` when older,
   * an `anomaly` when later (HappyColis requires a new integration to try again).
   */
  readonly countsAfterRejection: boolean;
  /** Whether it ends the connection attempt (a rejection). */
  readonly endsAttempt: boolean;
  readonly token: TokenEffect;
  /** The alert kind each distinct event of this step raises, or `null`. */
  readonly alert: AlertKind | null;
  /**
   * Whether, when it decides the state, it ends the integration's {@link RECOVERABLE_ALERT}
   * incidents (each reported one gets a resolved notice).
   */
  readonly endsError: boolean;
}

export const LIFECYCLE = {
  created: {
    type: `${PREFIX}created`,
    rank: 0,
    state: 'PENDING',
    countsAfterRejection: false,
    endsAttempt: false,
    token: 'keep',
    alert: null,
    endsError: true,
  },
  accepted: {
    type: `${PREFIX}accepted`,
    rank: 1,
    state: 'ACTIVE',
    countsAfterRejection: false,
    endsAttempt: false,
    token: 'replace',
    alert: null,
    endsError: true,
  },
  rejected: {
    type: `${PREFIX}rejected`,
    rank: 2,
    state: { fromBody: ['ERROR'], otherwise: 'INACTIVE' },
    countsAfterRejection: true,
    endsAttempt: true,
    token: 'clear',
    alert: 'integration-rejected',
    endsError: false,
  },
  errored: {
    type: `${PREFIX}errored`,
    rank: 3,
    state: 'ERROR',
    countsAfterRejection: true,
    endsAttempt: false,
    token: 'keep',
    alert: 'integration-errored',
    endsError: false,
  },
} as const satisfies Record<string, StepPolicy>;

/** Short name of a known lifecycle event. */
export type LifecycleStep = keyof typeof LIFECYCLE;

/** Every step, in rank order. */
export const LIFECYCLE_STEPS: readonly LifecycleStep[] = (
  Object.keys(LIFECYCLE) as LifecycleStep[]
).sort((a, b) => LIFECYCLE[a].rank - LIFECYCLE[b].rank);

const policy = (step: LifecycleStep): StepPolicy => LIFECYCLE[step];

/** The `header.type` of each step. */
export const EVENT_TYPES = Object.fromEntries(
  LIFECYCLE_STEPS.map((step) => [step, LIFECYCLE[step].type]),
) as { readonly [S in LifecycleStep]: (typeof LIFECYCLE)[S]['type'] };

const stepByType = new Map<string, LifecycleStep>(
  LIFECYCLE_STEPS.map((step) => [LIFECYCLE[step].type, step]),
);

/** The lifecycle step of an event type, or `undefined` for a type this receiver doesn't know. */
export const stepOf = (type: string): LifecycleStep | undefined => stepByType.get(type);

export const rankOf = (step: LifecycleStep): Rank => policy(step).rank;

/** The state an event of `step` moves the integration to, given the state its body reports. */
export const stateAfter = (
  step: LifecycleStep,
  reported: IntegrationState | null,
): IntegrationState => {
  const rule = policy(step).state;
  if (typeof rule === 'string') return rule;
  return reported !== null && rule.fromBody.includes(reported) ? reported : rule.otherwise;
};

/** Every state an event of `step` can move the integration to. */
export const statesOf = (step: LifecycleStep): readonly IntegrationState[] => {
  const rule = policy(step).state;
  return typeof rule === 'string' ? [rule] : [rule.otherwise, ...rule.fromBody];
};

const stepsWhere = (test: (policy: StepPolicy) => boolean): readonly LifecycleStep[] =>
  LIFECYCLE_STEPS.filter((step) => test(policy(step)));

/** Steps that end the connection attempt (a rejection). */
export const ATTEMPT_ENDING_STEPS = stepsWhere((step) => step.endsAttempt);

/** Steps that still count for the state after the attempt ended. */
export const AFTER_REJECTION_STEPS = stepsWhere((step) => step.countsAfterRejection);

export const countsAfterRejection = (step: LifecycleStep): boolean =>
  policy(step).countsAfterRejection;

/** The alert kinds lifecycle events raise. */
export type LifecycleAlertKind = NonNullable<(typeof LIFECYCLE)[LifecycleStep]['alert']>;

/** The alert each distinct event of `step` raises, if any. */
export const alertOf = (step: LifecycleStep): LifecycleAlertKind | null => LIFECYCLE[step].alert;

/** The incidents an integration's recovery ends, with a resolved notice for each reported one. */
export const RECOVERABLE_ALERT = 'integration-errored' satisfies LifecycleAlertKind;

/** Steps whose events raise {@link RECOVERABLE_ALERT} incidents. */
export const ERROR_STEPS = stepsWhere((step) => step.alert === RECOVERABLE_ALERT);

/** Steps that, when they decide the state, end the integration's errors. */
export const RECOVERY_STEPS = stepsWhere((step) => step.endsError);

/** The states an integration stands on once it has recovered from an error. */
export const RECOVERED_STATES: ReadonlySet<IntegrationState> = new Set(
  RECOVERY_STEPS.flatMap(statesOf),
);

/** What an event does to the token held: hold `token`, hold none, or leave it. */
export type TokenChange =
  | { readonly kind: 'keep' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'set'; readonly token: string };

export const tokenChangeOf = (step: LifecycleStep, carried: string | null): TokenChange => {
  switch (policy(step).token) {
    case 'keep':
      return { kind: 'keep' };
    case 'clear':
      return { kind: 'clear' };
    case 'replace':
      return carried === null ? { kind: 'clear' } : { kind: 'set', token: carried };
  }
};

/** The token held after a change, from the one held before. */
export const tokenAfter = (change: TokenChange, held: string | undefined): string | undefined => {
  switch (change.kind) {
    case 'keep':
      return held;
    case 'clear':
      return undefined;
    case 'set':
      return change.token;
  }
};
