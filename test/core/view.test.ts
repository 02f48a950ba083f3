import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../functions/core/ports.ts';
import { historyEntryOf, integrationView, withOutcomes } from '../../functions/core/view.ts';
import { lifecycleEvent } from '../support/events.ts';

const at = (hour: number) => `2024-06-10T${String(hour).padStart(2, '0')}:00:00.000Z`;

const entry = (
  step: Parameters<typeof lifecycleEvent>[0],
  hour: number,
  receivedSecond: number,
): HistoryEntry => {
  const event = lifecycleEvent(step, { date: at(hour), messageId: `m-${step}-${hour}` });
  return historyEntryOf(event, `2024-06-12T00:00:${String(receivedSecond).padStart(2, '0')}.000Z`);
};

describe('withOutcomes', () => {
  it('replays arrival order: applied, stale, anomaly, ignored', () => {
    const history = [
      entry('accepted', 10, 1),
      entry('created', 9, 2),
      entry('rejected', 11, 3),
      entry('accepted', 12, 4),
      {
        ...entry('created', 13, 5),
        type: 'location/fulfillment_service_integration/paused',
        key: undefined,
      },
    ] as HistoryEntry[];
    expect(withOutcomes(history).map((line) => [line.type.split('/').pop(), line.outcome])).toEqual(
      [
        ['accepted', 'applied'],
        ['created', 'stale'],
        ['rejected', 'applied'],
        ['accepted', 'anomaly'],
        ['paused', 'ignored'],
      ],
    );
  });
});

describe('integrationView', () => {
  it('is undefined when nothing is known', () => {
    expect(integrationView('x', undefined, [])).toBeUndefined();
  });

  it('lists history newest event first and caps its length', () => {
    const history = [entry('created', 9, 1), entry('errored', 14, 2), entry('accepted', 10, 3)];
    const view = integrationView('x', undefined, history, 2);
    expect(view?.history.map((line) => line.date)).toEqual([at(14), at(10)]);
    expect(view?.state).toBeNull();
  });
});
