import type { IntegrationEvent } from '../functions/core/events.ts';
import {
  EVENT_TYPES,
  type IntegrationState,
  LIFECYCLE_STEPS,
  type LifecycleStep,
  stateAfter,
  statesOf,
} from '../functions/core/lifecycle.ts';
import { SIGNATURE_HEADER, sign } from '../functions/core/signature.ts';
import { applyToRegisters, currentOf, type Registers } from '../functions/core/state.ts';

/**
 * Generated HappyColis traffic, reproducible from a seed, and the state the core's rules say
 * it must leave behind: the bench refuses to report a speed for a wrong answer.
 */

/** A secret known to both the bench client and the runtime it starts. */
export const BENCH_SECRET = 'bench-client-secret';

/** A deterministic PRNG (mulberry32): the same seed gives the same workload on every run. */
export const createRandom = (seed: number) => {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j] as T, items[i] as T];
      }
      return items;
    },
  };
};
export type Random = ReturnType<typeof createRandom>;

/** The state an event of each step reports in its body (the first its type allows). */
const reportedState = (step: LifecycleStep) => statesOf(step)[0] ?? null;

/** One lifecycle event shaped like the seed samples. */
export const benchEvent = (
  step: LifecycleStep,
  integrationId: string,
  date: Date,
  messageId: string,
): IntegrationEvent => ({
  step,
  header: {
    organizationId: 'org_bench-0000-0000-0000-000000000000',
    messageId,
    webhookId: 'c3d4e5f6-a7b8-9012-cdef-123456789012',
    type: EVENT_TYPES[step],
    date: date.toISOString(),
  },
  body: {
    id: integrationId,
    locationId: 'j1k2l3m4-n5o6-7890-pqrs-123456789012',
    fulfillmentServiceId: 's0t1u2v3-w4x5-6789-yzab-012345678901',
    accessToken: step === 'accepted' ? `tok_${messageId}` : null,
    scopes: ['fulfillment:read', 'fulfillment:write', 'inventory:read'],
    state: reportedState(step),
  },
});

/** A signed request as HappyColis sends it: the body bytes and their HMAC. */
export interface SignedWebhook {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const signedWebhook = (event: IntegrationEvent): SignedWebhook => {
  const body = JSON.stringify({ header: event.header, body: event.body });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: sign(BENCH_SECRET, body),
    },
  };
};

/** What `GET /integrations/{id}` must show once every event has been applied. */
export interface ExpectedView {
  readonly state: IntegrationState;
  readonly lastEventAt: string;
  readonly lastEventType: string;
}

export interface Post extends SignedWebhook {
  readonly integrationId: string;
  /** `redelivery` repeats a message; `resend` repeats the event under a new messageId. */
  readonly kind: 'original' | 'redelivery' | 'resend';
}

export interface Workload {
  readonly posts: readonly Post[];
  readonly expected: ReadonlyMap<string, ExpectedView>;
  readonly integrationIds: readonly string[];
  /** Distinct events of each step among the originals. */
  readonly steps: Readonly<Record<LifecycleStep, number>>;
}

/** A count of zero for every step. */
const noSteps = () =>
  Object.fromEntries(LIFECYCLE_STEPS.map((step) => [step, 0])) as Record<LifecycleStep, number>;

/**
 * Steps after the first `created`, weighted towards a realistic life: mostly acceptances and
 * errors, some re-creations, a few rejections (which end the attempt and make later
 * acceptances anomalies).
 */
const LATER_STEPS: readonly [LifecycleStep, number][] = [
  ['accepted', 0.45],
  ['errored', 0.25],
  ['created', 0.25],
  ['rejected', 0.05],
];

const pickStep = (random: Random): LifecycleStep => {
  let roll = random.next();
  for (const [step, weight] of LATER_STEPS) {
    roll -= weight;
    if (roll < 0) return step;
  }
  return 'accepted';
};

/**
 * `events` posts over `integrations` integrations, `duplicateShare` of them duplicates (half
 * redeliveries, half resends under a new messageId), shuffled so arrival order says nothing
 * about event order. The expected views are folded with the core's own rule
 * (`applyToRegisters`, `currentOf`) over every posted event.
 */
export const generateWorkload = (options: {
  readonly integrations: number;
  readonly events: number;
  readonly duplicateShare: number;
  readonly seed: number;
}): Workload => {
  const random = createRandom(options.seed);
  const duplicates = Math.round(options.events * options.duplicateShare);
  const originals = options.events - duplicates;
  if (originals % options.integrations !== 0) {
    throw new RangeError('distinct events must divide evenly over the integrations');
  }
  const perIntegration = originals / options.integrations;
  const start = Date.parse('2026-01-05T08:00:00.000Z');
  const steps = noSteps();

  const events: IntegrationEvent[] = [];
  const integrationIds: string[] = [];
  for (let i = 0; i < options.integrations; i++) {
    const id = `bench-int-${String(i).padStart(5, '0')}-x9y8`;
    integrationIds.push(id);
    for (let k = 0; k < perIntegration; k++) {
      const step = k === 0 ? 'created' : pickStep(random);
      // One event a minute or so, each integration offset: dates never collide by accident.
      const date = new Date(start + i * 1_000 + k * 60_000 + random.int(50_000));
      events.push(benchEvent(step, id, date, `msg-${i}-${k}`));
      steps[step]++;
    }
  }

  const posted: IntegrationEvent[] = [...events];
  const kinds: Post['kind'][] = events.map(() => 'original');
  const chosen = random.shuffle(events.map((_, index) => index)).slice(0, duplicates);
  chosen.forEach((index, n) => {
    const event = events[index] as IntegrationEvent;
    if (n % 2 === 0) {
      posted.push(event);
      kinds.push('redelivery');
    } else {
      const messageId = `${event.header.messageId}-resent`;
      posted.push({ ...event, header: { ...event.header, messageId } });
      kinds.push('resend');
    }
  });

  const registers = new Map<string, Registers>();
  for (const event of posted) {
    const before = registers.get(event.body.id) ?? {};
    registers.set(event.body.id, applyToRegisters(before, event).registers);
  }
  const expected = new Map<string, ExpectedView>();
  for (const [id, stored] of registers) {
    const current = currentOf(stored);
    if (!current) throw new Error(`workload left ${id} without a state`);
    expected.set(id, {
      state: current.register.state,
      lastEventAt: current.register.date,
      lastEventType: EVENT_TYPES[current.step],
    });
  }

  const order = random.shuffle(posted.map((_, index) => index));
  const posts = order.map((index) => ({
    ...signedWebhook(posted[index] as IntegrationEvent),
    integrationId: (posted[index] as IntegrationEvent).body.id,
    kind: kinds[index] as Post['kind'],
  }));
  return { posts, expected, integrationIds, steps };
};

/**
 * The common life of an integration, as HappyColis sends it: `created`, then `accepted` a few
 * minutes later, each delivered once and in order. Two waves (every `created`, then every
 * `accepted` once the first wave is applied), so every event is fresh, changes the state, and
 * the first wave creates every integration. The hostile workload above spreads each
 * integration's first writes over 8 events and has many cheap duplicates and stale events;
 * this one shows what in-order traffic costs per event.
 */
export const generateLifecycle = (options: {
  readonly integrations: number;
}): readonly [Workload, Workload] => {
  const start = Date.parse('2026-01-12T08:00:00.000Z');
  const integrationIds = Array.from(
    { length: options.integrations },
    (_, i) => `bench-life-${String(i).padStart(5, '0')}-x9y8`,
  );
  const wave = (step: 'created' | 'accepted', offsetMs: number): Workload => {
    const events = integrationIds.map((id, i) =>
      benchEvent(step, id, new Date(start + i * 1_000 + offsetMs), `life-${i}-${step}`),
    );
    return {
      posts: events.map((event) => ({
        ...signedWebhook(event),
        integrationId: event.body.id,
        kind: 'original' as const,
      })),
      expected: new Map(
        events.map((event) => [
          event.body.id,
          {
            state: stateAfter(step, null),
            lastEventAt: event.header.date,
            lastEventType: EVENT_TYPES[step],
          },
        ]),
      ),
      integrationIds,
      steps: { ...noSteps(), [step]: events.length },
    };
  };
  return [wave('created', 0), wave('accepted', 5 * 60_000)];
};
