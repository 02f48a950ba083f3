import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { integrationErroredAlert } from '../../functions/alerting/domain/content.ts';
import { groupMessageOf } from '../../functions/alerting/domain/group-message.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { applyToRegisters } from '../../functions/core/state.ts';
import { historyEntryOf, integrationView } from '../../functions/core/view.ts';
import { formatAlert, printAlerts } from '../../lib/local/alerts.ts';
import { lifecycleEvent } from '../support/events.ts';

const erroredAlert = (index: number): Alert => {
  const id = `integration-${index}`;
  const base = lifecycleEvent('errored', {
    id,
    date: `2024-06-11T14:00:0${index}.000Z`,
    accessToken: 'tok_SECRET_123',
  });
  const event = { ...base, body: { ...base.body, locationId: `location-${index}` } };
  const view = integrationView(
    id,
    { id, registers: applyToRegisters({}, event).registers, hasAccessToken: true },
    [historyEntryOf(event, event.header.date)],
  );
  if (!view) throw new Error('no view');
  return integrationErroredAlert(event, view);
};

const printed = async (...bodies: unknown[]): Promise<string[]> => {
  const lines: string[] = [];
  const event: SQSEvent = {
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      body: JSON.stringify(body),
    })) as SQSEvent['Records'],
  };
  const result = await printAlerts((text) => lines.push(text))(event);
  expect(result).toEqual({ batchItemFailures: [] });
  return lines;
};

describe('the local alert printer', () => {
  const alerts = [0, 1, 2].map(erroredAlert);

  it('prints a grouped message as a header line, one line per incident, and how many more', async () => {
    const digest = groupMessageOf({ groupKey: 'g', seq: 2, alerts });
    const [text] = await printed({ ...digest, entries: digest.entries.slice(0, 2) });
    const lines = text?.split('\n') ?? [];
    expect(lines[0]).toBe(
      `ALERT [CRITICAL] integration-errored (3 incidents, group g, message 2): ${digest.title}`,
    );
    expect(lines.filter((line) => /^ {4}2024-06-11T14:00:0\d/.test(line))).toEqual([
      '    2024-06-11T14:00:00.000Z  location-0  integration-0',
      '    2024-06-11T14:00:01.000Z  location-1  integration-1',
    ]);
    expect(lines.at(-1)).toBe(`    and 1 more: ${digest.listCommand}`);
  });

  it('prints a one-incident message and a single alert as the alert', async () => {
    const [alert] = alerts;
    if (!alert) throw new Error('no alert');
    const single = groupMessageOf({ groupKey: 'g', seq: 1, alerts: [alert] });
    expect(await printed(single, alert)).toEqual([formatAlert(alert), formatAlert(alert)]);
  });

  it('says which fields an unreadable message lacks', async () => {
    const [line] = await printed({ version: 2, groupKey: 'g' });
    expect(line).toMatch(/^ALERT \(unreadable, message m-0; invalid at: /);
  });
});
