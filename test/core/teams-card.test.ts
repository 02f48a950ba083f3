import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compactTeamsMessage,
  escapeMarkdown,
  TEAMS_RENDER_MAX_BYTES,
  teamsMessage,
  teamsMessageBytes,
} from '../../functions/alerting/channels/teams.ts';
import {
  deadLettersAlert,
  deliveryErrorAlert,
  quarantinedAlert,
} from '../../functions/alerting/domain/content.ts';
import {
  groupMessageOf,
  singleAlertMessage,
} from '../../functions/alerting/domain/group-message.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { adaptiveCardProblems } from '../support/adaptive-cards.ts';

const contentOf = (message: ReturnType<typeof teamsMessage>) => message.attachments[0].content;

const notice = (index: number, text = 'Unavailable'): Alert =>
  deliveryErrorAlert({
    id: `n-${index}`,
    receivedAt: `2024-06-12T00:00:${String(index % 60).padStart(2, '0')}.000Z`,
    notice: { code: '503', endpoint: `https://receiver.test/${text}`, message: text },
  });

describe('Teams cards', () => {
  it("are read as valid 1.4 cards by Microsoft's library, single or grouped", () => {
    const alarm = deadLettersAlert({
      alarmName: 'dlq',
      description: null,
      newState: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed',
      stateChangeTime: '2024-06-11T14:05:00.000Z',
      region: 'eu-west-1',
      accountId: '123456789012',
      queueName: 'events-dlq',
    });
    const quarantined = quarantinedAlert({
      id: 'q-1',
      source: 'happycolis',
      receivedAt: '2024-06-11T14:05:00.000Z',
      errors: [{ path: 'body.state', message: 'Invalid type' }],
    });
    for (const message of [
      singleAlertMessage(alarm),
      singleAlertMessage(quarantined),
      groupMessageOf({ groupKey: 'delivery-error|-', seq: 2, alerts: [notice(1), notice(2)] }),
    ]) {
      expect(adaptiveCardProblems(contentOf(teamsMessage(message)))).toEqual([]);
      expect(adaptiveCardProblems(contentOf(compactTeamsMessage(message)))).toEqual([]);
    }
  });

  it('are checked: a card using a later version’s element is reported', () => {
    const card = contentOf(teamsMessage(singleAlertMessage(notice(1))));
    const later = { ...card, body: [...card.body, { type: 'Table', columns: [], rows: [] }] };
    expect(adaptiveCardProblems(later)).not.toEqual([]);
  });

  it('never turn sender data into a link, emphasis or a list', () => {
    const message = groupMessageOf({
      groupKey: 'delivery-error|-',
      seq: 1,
      alerts: [notice(1, '[click](https://evil.test) *now* _x_')],
    });
    const text = JSON.stringify(teamsMessage(message));
    expect(text).not.toContain('[click](');
    expect(text).toContain('\\\\[click\\\\]\\\\(https://evil.test\\\\)');
    expect(escapeMarkdown('a_b*c')).toBe('a\\_b\\*c');
  });

  it('stay within the budget whatever the group holds, and count what they cannot list', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        (count, text) => {
          const alerts = Array.from({ length: count }, (_, index) => notice(index, text));
          const message = groupMessageOf({ groupKey: 'delivery-error|-', seq: 1, alerts });
          const card = teamsMessage(message);
          expect(teamsMessageBytes(card)).toBeLessThanOrEqual(TEAMS_RENDER_MAX_BYTES);
          expect(teamsMessageBytes(compactTeamsMessage(message))).toBeLessThanOrEqual(
            teamsMessageBytes(card),
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('fall back to the compact bounds for a single alert too large for Teams', () => {
    const wide = '\u{1F4A5}'.repeat(400);
    const alert = quarantinedAlert({
      id: wide,
      source: wide,
      receivedAt: '2024-06-12T00:00:00.000Z',
      errors: Array.from({ length: 20 }, (_, index) => ({
        path: `${index}${wide}`,
        message: wide,
      })),
    });
    const card = teamsMessage(singleAlertMessage(alert));
    expect(teamsMessageBytes(card)).toBeLessThanOrEqual(TEAMS_RENDER_MAX_BYTES);
    expect(adaptiveCardProblems(contentOf(card))).toEqual([]);
  });
});
