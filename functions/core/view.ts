import type { IntegrationEvent } from './events.ts';
import { EVENT_TYPES, type IntegrationState, stepOf, UNKNOWN_RANK } from './lifecycle.ts';
import type { HistoryEntry, StoredIntegration } from './ports.ts';
import {
  compareKeys,
  conditionHolds,
  conditionOf,
  currentOf,
  effectOf,
  eventKey,
  type RegisterKeys,
  resultingState,
  whyNotApplied,
} from './state.ts';

/** The history entry of a lifecycle event first seen at `receivedAt`: no token, no body. */
export const historyEntryOf = (event: IntegrationEvent, receivedAt: string): HistoryEntry => ({
  type: event.header.type,
  date: event.header.date,
  messageId: event.header.messageId,
  webhookId: event.header.webhookId,
  receivedAt,
  key: eventKey(event),
  state: resultingState(event),
});

/**
 * What `GET /integrations/{id}` shows. Built from the stored registers and history; it never
 * carries the token, only whether one is held.
 */

/** What became of an event when it arrived. Duplicates never get an entry of their own. */
export type HistoryOutcome = 'applied' | 'stale' | 'anomaly' | 'ignored';

export interface HistoryLine {
  readonly type: string;
  readonly date: string;
  readonly messageId: string;
  readonly outcome: HistoryOutcome;
}

export interface IntegrationView {
  readonly id: string;
  readonly organizationId: string | null;
  readonly locationId: string | null;
  readonly fulfillmentServiceId: string | null;
  readonly state: IntegrationState | null;
  readonly scopes: readonly string[];
  readonly hasAccessToken: boolean;
  readonly lastEventAt: string | null;
  readonly lastEventType: string | null;
  /** Newest event first. */
  readonly history: readonly HistoryLine[];
}

/** Orders any history entry like the core orders events; unknown types sort last at a date. */
const orderingKey = (entry: HistoryEntry): string =>
  entry.key ?? `${entry.date}#${UNKNOWN_RANK}#${entry.messageId}`;

/**
 * Each entry's outcome, found by replaying the history in the order the processor first saw
 * the events, under the same rule the store enforced. Deriving it (rather than storing it)
 * means the two concurrent writes of an event never have to agree on it.
 */
export const withOutcomes = (
  history: readonly HistoryEntry[],
): (HistoryEntry & { readonly outcome: HistoryOutcome })[] => {
  const arrival = [...history].sort(
    (a, b) =>
      a.receivedAt.localeCompare(b.receivedAt) || compareKeys(orderingKey(a), orderingKey(b)),
  );
  const registers: { -readonly [K in keyof RegisterKeys]: { key: string } } = {};
  return arrival.map((entry) => {
    const step = stepOf(entry.type);
    if (step === undefined || entry.key === undefined) return { ...entry, outcome: 'ignored' };
    const condition = conditionOf(step, entry.key);
    if (conditionHolds(condition, registers)) {
      registers[step] = { key: entry.key };
      return { ...entry, outcome: effectOf(entry.key, registers) };
    }
    const reason = whyNotApplied(condition, registers);
    return { ...entry, outcome: reason === 'anomaly' ? 'anomaly' : 'stale' };
  });
};

/** The view of an integration, or `undefined` when nothing at all is known about it. */
export const integrationView = (
  id: string,
  integration: StoredIntegration | undefined,
  history: readonly HistoryEntry[],
  historyLimit = 50,
): IntegrationView | undefined => {
  if (!integration && history.length === 0) return undefined;
  const current = integration ? currentOf(integration.registers) : undefined;
  const register = current?.register;
  const lines = withOutcomes(history)
    .sort((a, b) => compareKeys(orderingKey(b), orderingKey(a)))
    .slice(0, historyLimit)
    .map(({ type, date, messageId, outcome }) => ({ type, date, messageId, outcome }));
  return {
    id,
    organizationId: register?.organizationId ?? null,
    locationId: register?.locationId ?? null,
    fulfillmentServiceId: register?.fulfillmentServiceId ?? null,
    state: register?.state ?? null,
    scopes: register?.scopes ?? [],
    hasAccessToken: integration?.hasAccessToken ?? false,
    lastEventAt: register?.date ?? null,
    lastEventType: current ? EVENT_TYPES[current.step] : null,
    history: lines,
  };
};
