import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type IntegrationEvent,
  LIFECYCLE_STEPS,
  type LifecycleStep,
} from '../../functions/core/events.ts';
import {
  applyToRegisters,
  compareKeys,
  currentOf,
  eventKey,
  type Registers,
  resultingState,
} from '../../functions/core/state.ts';
import { lifecycleEvent } from '../support/events.ts';

const at = (hour: number) => `2024-06-10T${String(hour).padStart(2, '0')}:00:00.000Z`;

const fold = (events: readonly IntegrationEvent[]): Registers =>
  events.reduce<Registers>((registers, event) => applyToRegisters(registers, event).registers, {});

const stateAfter = (events: readonly IntegrationEvent[]) => currentOf(fold(events))?.register.state;

describe('resultingState', () => {
  it.each([
    ['created', null, 'PENDING'],
    ['accepted', null, 'ACTIVE'],
    ['rejected', null, 'INACTIVE'],
    ['rejected', 'INACTIVE', 'INACTIVE'],
    ['rejected', 'ERROR', 'ERROR'],
    ['rejected', 'ACTIVE', 'INACTIVE'],
    ['errored', null, 'ERROR'],
    ['created', 'ACTIVE', 'PENDING'],
  ] as const)('maps %s with body.state %s to %s', (step, bodyState, expected) => {
    expect(resultingState(lifecycleEvent(step, { state: bodyState }))).toBe(expected);
  });
});

describe('transitions', () => {
  const created = lifecycleEvent('created', { date: at(9) });
  const accepted = lifecycleEvent('accepted', { date: at(10) });
  const rejected = lifecycleEvent('rejected', { date: at(11) });
  const errored = lifecycleEvent('errored', { date: at(14) });

  it.each([
    ['created', [created], 'PENDING'],
    ['created → accepted', [created, accepted], 'ACTIVE'],
    ['created → accepted → errored', [created, accepted, errored], 'ERROR'],
    ['accepted arriving before created', [accepted, created], 'ACTIVE'],
    ['errored arriving first', [errored, created, accepted], 'ERROR'],
    ['created → rejected', [created, rejected], 'INACTIVE'],
    ['rejected → errored', [created, rejected, errored], 'ERROR'],
    [
      'a later accepted after rejected is not applied',
      [created, rejected, lifecycleEvent('accepted', { date: at(12) })],
      'INACTIVE',
    ],
    [
      'a late rejection still ends an attempt that a later accepted had activated',
      [created, lifecycleEvent('accepted', { date: at(12) }), rejected],
      'INACTIVE',
    ],
    [
      'an errored between rejection and a later accepted wins after the late rejection',
      [
        lifecycleEvent('errored', { date: at(12) }),
        lifecycleEvent('accepted', { date: at(13) }),
        rejected,
      ],
      'ERROR',
    ],
  ] as const)('%s → %s', (_name, events, expected) => {
    expect(stateAfter(events)).toBe(expected);
  });

  it('refuses a duplicate and an older event of the same step', () => {
    const registers = fold([created, accepted]);
    expect(applyToRegisters(registers, accepted).applied).toBe(false);
    expect(applyToRegisters(registers, lifecycleEvent('accepted', { date: at(9) })).applied).toBe(
      false,
    );
  });

  it('breaks ties at the same instant by lifecycle rank', () => {
    const sameInstant = [
      lifecycleEvent('errored', { date: at(9) }),
      lifecycleEvent('created', { date: at(9) }),
    ];
    expect(stateAfter(sameInstant)).toBe('ERROR');
  });

  it('breaks ties of the same step and instant by messageId', () => {
    const a = lifecycleEvent('rejected', { date: at(9), messageId: 'a', state: 'ERROR' });
    const b = lifecycleEvent('rejected', { date: at(9), messageId: 'b', state: 'INACTIVE' });
    expect(stateAfter([b, a])).toBe('INACTIVE');
    expect(stateAfter([a, b])).toBe('INACTIVE');
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes like DynamoDB, not by UTF-16 code units', () => {
    // U+FF61 is one UTF-16 unit above a surrogate pair in UTF-16 order, but below it in UTF-8.
    const bmp = '\uff61';
    const astral = '\u{1f600}';
    expect(bmp > astral).toBe(true);
    expect(compareKeys(bmp, astral)).toBeLessThan(0);
  });

  it('orders keys by date first', () => {
    const early = eventKey(lifecycleEvent('errored', { date: at(9), messageId: 'z' }));
    const late = eventKey(lifecycleEvent('created', { date: at(10), messageId: 'a' }));
    expect(compareKeys(early, late)).toBeLessThan(0);
  });
});

/**
 * Reference semantics, written the slow obvious way: sort the distinct events, walk them in
 * order; once a rejection is seen, only rejections and errors still move the state.
 */
const referenceState = (events: readonly IntegrationEvent[]) => {
  const distinct = [...new Map(events.map((event) => [eventKey(event), event])).values()].sort(
    (a, b) => compareKeys(eventKey(a), eventKey(b)),
  );
  let state: string | undefined;
  let rejected = false;
  for (const event of distinct) {
    if (rejected && (event.step === 'created' || event.step === 'accepted')) continue;
    if (event.step === 'rejected') rejected = true;
    state = resultingState(event);
  }
  return state;
};

/** A rejection's body.state, fixed by its messageId: one delivery has one content. */
const REJECTED_STATE = {
  m1: 'ERROR',
  m2: 'INACTIVE',
  m3: null,
  é: 'ERROR',
  '\u{1f600}': 'INACTIVE',
} as const;

const eventArbitrary = fc
  .record({
    step: fc.constantFrom<LifecycleStep>(...LIFECYCLE_STEPS),
    hour: fc.integer({ min: 0, max: 5 }),
    messageId: fc.constantFrom(...(Object.keys(REJECTED_STATE) as (keyof typeof REJECTED_STATE)[])),
  })
  .map(({ step, hour, messageId }) =>
    lifecycleEvent(step, {
      date: at(hour),
      messageId,
      state: step === 'rejected' ? REJECTED_STATE[messageId] : null,
    }),
  );

describe('order and duplicates (property)', () => {
  it('yields the same state for any permutation with any duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(eventArbitrary, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.infiniteStream(fc.nat()),
        (events, duplicateIndexes, seeds) => {
          const withDuplicates = [
            ...events,
            ...duplicateIndexes.map((index) => events[index % events.length] as IntegrationEvent),
          ];
          const shuffled = [...withDuplicates];
          const random = seeds[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (random.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [
              shuffled[j] as IntegrationEvent,
              shuffled[i] as IntegrationEvent,
            ];
          }
          expect(stateAfter(shuffled)).toBe(referenceState(events));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('yields the state of the greatest event when no rejection is involved', () => {
    const noRejection = eventArbitrary.filter((event) => event.step !== 'rejected');
    fc.assert(
      fc.property(fc.array(noRejection, { minLength: 1, maxLength: 8 }), (events) => {
        const greatest = [...events].sort((a, b) => compareKeys(eventKey(b), eventKey(a)))[0];
        expect(stateAfter([...events].reverse())).toBe(greatest && resultingState(greatest));
      }),
      { numRuns: 1_000 },
    );
  });
});
