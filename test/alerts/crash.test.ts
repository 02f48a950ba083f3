import { describe, expect, it } from 'vitest';
import { slackMessage } from '../../functions/alerting/channels/slack.ts';
import { teamsMessage } from '../../functions/alerting/channels/teams.ts';
import type { GroupMessage } from '../../functions/core/alerts.ts';
import type { AlertChannel, AlertLedger } from '../../functions/core/ports.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { type AlertSystem, crashing, createAlertSystem } from './alert-system.ts';

/**
 * A crash at each step of the alert ledger, on each channel: the process dies right after (or
 * right before) the step, and SQS brings the record back after its visibility timeout. No
 * incident may be lost on any channel, a crash may cost at most one repeated message, and
 * without a crash nothing repeats.
 */

const START = Date.parse('2026-11-23T10:00:00.000Z');
const ERRORED = 30;
const RECOVERED = 10;
/** `sendOnce` tries the mark three times before the record fails: a crash fails all three. */
const MARK_ATTEMPTS = 3;

const idOf = (index: number) => `crash-${String(index).padStart(3, '0')}`;
const iso = (ms: number) => new Date(ms).toISOString();
const webhook = (step: 'accepted' | 'errored', index: number, date: number): QueueMessage => ({
  kind: 'webhook',
  receivedAt: iso(date),
  webhook: envelope(
    lifecycleEvent(step, { id: idOf(index), date: iso(date), messageId: `${step}-${index}` }),
  ),
});

const onChannel =
  (channel: AlertChannel) =>
  (_ref: unknown, on: AlertChannel): boolean =>
    on === channel;

type Injection = (parts: {
  ledger: AlertLedger;
  publisher: { publish: (digest: GroupMessage) => Promise<void> };
  slack: { send: (message: never) => Promise<unknown> };
  teams: { send: (message: never) => Promise<unknown> };
}) => () => number;

const INJECTIONS: Record<string, Injection> = {
  'after record': ({ ledger }) => crashing(ledger, 'record', { when: 'after' }).crashed,
  'after beginning a flush': ({ ledger }) =>
    crashing(ledger, 'beginFlush', { when: 'after' }).crashed,
  'after collecting a message': ({ ledger }) =>
    crashing(ledger, 'collect', { when: 'after' }).crashed,
  'after opening a message': ({ ledger }) => crashing(ledger, 'open', { when: 'after' }).crashed,
  'after resolving': ({ ledger }) => crashing(ledger, 'resolve', { when: 'after' }).crashed,
  'email: after claim': ({ ledger }) =>
    crashing(ledger, 'claim', { when: 'after', match: onChannel('email') }).crashed,
  'email: after send': ({ publisher }) => crashing(publisher, 'publish', { when: 'after' }).crashed,
  'email: before mark': ({ ledger }) =>
    crashing(ledger, 'markSent', {
      when: 'before',
      match: onChannel('email'),
      times: MARK_ATTEMPTS,
    }).crashed,
  'slack: after claim': ({ ledger }) =>
    crashing(ledger, 'claim', { when: 'after', match: onChannel('slack') }).crashed,
  'slack: after send': ({ slack }) => crashing(slack, 'send', { when: 'after' }).crashed,
  'slack: before mark': ({ ledger }) =>
    crashing(ledger, 'markSent', {
      when: 'before',
      match: onChannel('slack'),
      times: MARK_ATTEMPTS,
    }).crashed,
  'teams: after claim': ({ ledger }) =>
    crashing(ledger, 'claim', { when: 'after', match: onChannel('teams') }).crashed,
  'teams: after send': ({ teams }) => crashing(teams, 'send', { when: 'after' }).crashed,
  'teams: before mark': ({ ledger }) =>
    crashing(ledger, 'markSent', {
      when: 'before',
      match: onChannel('teams'),
      times: MARK_ATTEMPTS,
    }).crashed,
};

/** 30 integrations error within a second; 10 of them recover ten minutes later. */
const scenario = async (system: AlertSystem) => {
  for (let i = 0; i < ERRORED; i++) await system.send(webhook('errored', i, START + i));
  await system.runUntil(START + 10 * 60_000);
  for (let i = 0; i < RECOVERED; i++) {
    await system.send(webhook('accepted', i, START + 10 * 60_000 + i));
  }
  await system.runUntil(START + 60 * 60_000);
};

/** How often each incident (status + integration) reached a channel. */
const deliveries = (digests: readonly GroupMessage[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const digest of digests) {
    for (const entry of digest.entries) {
      const key = `${digest.status} ${entry.integration?.id}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
};

const expectedIncidents = [
  ...Array.from({ length: ERRORED }, (_, i) => `firing ${idOf(i)}`),
  ...Array.from({ length: RECOVERED }, (_, i) => `resolved ${idOf(i)}`),
].sort();

const measure = async (injection?: Injection) => {
  let crashed: () => number = () => 0;
  const system = createAlertSystem({
    start: new Date(START),
    timing: { windowMs: 30_000, intervalMs: 300_000 },
    prepare: (parts) => {
      if (injection) crashed = injection(parts as Parameters<Injection>[0]);
    },
  });
  await scenario(system);
  const published = system.publisher.published();
  // Which published message each Slack post renders.
  const byRendering = new Map(
    published.map((digest) => [JSON.stringify(slackMessage(digest)), digest]),
  );
  const posted = system.posts.map((post) => {
    const digest = byRendering.get(JSON.stringify(post.message));
    if (!digest) throw new Error('a Slack post that renders no published message');
    return digest;
  });
  const cards = new Map(published.map((digest) => [JSON.stringify(teamsMessage(digest)), digest]));
  const carded = system.teamsPosts.map((post) => {
    const digest = cards.get(JSON.stringify(post.message));
    if (!digest) throw new Error('a Teams post that renders no published message');
    return digest;
  });
  const perChannel = {
    email: deliveries(published),
    slack: deliveries(posted),
    teams: deliveries(carded),
  };
  const figures = Object.fromEntries(
    Object.entries(perChannel).map(([channel, counts]) => {
      const lost = expectedIncidents.filter((key) => !counts.has(key)).length;
      const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
      return [
        channel,
        {
          lost,
          duplicates,
          extra: [...counts.keys()].filter((k) => !expectedIncidents.includes(k)),
        },
      ];
    }),
  );
  return {
    crashes: crashed(),
    figures,
    messages: { email: published.length, slack: posted.length, teams: carded.length },
  };
};

describe('crash injection at each step of the alert ledger', () => {
  it('loses nothing and repeats nothing without a crash', async () => {
    const { figures, messages } = await measure();
    expect(figures).toEqual({
      email: { lost: 0, duplicates: 0, extra: [] },
      slack: { lost: 0, duplicates: 0, extra: [] },
      teams: { lost: 0, duplicates: 0, extra: [] },
    });
    expect(messages).toEqual({ email: 2, slack: 2, teams: 2 });
  });

  for (const [step, injection] of Object.entries(INJECTIONS)) {
    it(`${step}: loses nothing, repeats at most one message per crash`, async () => {
      const { crashes, figures, messages } = await measure(injection);
      expect(crashes).toBeGreaterThan(0);
      const crashEvents = step.includes('before mark') ? crashes / MARK_ATTEMPTS : crashes;
      for (const channel of ['email', 'slack', 'teams'] as const) {
        expect(figures[channel]?.lost, `${channel} lost`).toBe(0);
        expect(figures[channel]?.extra, `${channel} unexpected`).toEqual([]);
        // A repeated message repeats every incident it lists: count messages, not lines.
        expect(messages[channel] - 2, `${channel} repeated messages`).toBeLessThanOrEqual(
          crashEvents,
        );
      }
    });
  }
});
