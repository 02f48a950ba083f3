import { describe, expect, it } from 'vitest';
import { TEAMS_MESSAGE_MAX_BYTES } from '../../functions/alerting/channels/teams.ts';
import type { GroupMessage } from '../../functions/core/alerts.ts';
import { utf8Bytes } from '../../functions/core/limits.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import {
  type AlertSystem,
  createAlertSystem,
  type SlackPost,
  type TeamsPost,
} from './alert-system.ts';

/**
 * A fulfillment service goes down: HappyColis reports `errored` for 500 integrations within
 * 10 s, redelivers some and resends others under new message ids; later 100 of them recover.
 * Each channel (email, Slack, Teams) must carry one message within the group window (plus at most one follow-up per
 * group interval) listing all 500, then one resolved notice listing exactly the 100.
 */

const START = Date.parse('2026-11-23T10:00:00.000Z');
const WINDOW_MS = 30_000;
const INTERVAL_MS = 300_000;
const COUNT = 500;
const RECOVERED = 100;
const TOKEN = 'tok_SECRET_123';

const idOf = (index: number) => `int-${String(index).padStart(4, '0')}-7d1c-4b7e-9a55-3f2a1c0d9e8b`;
const iso = (ms: number) => new Date(ms).toISOString();

const webhook = (
  step: 'created' | 'accepted' | 'errored',
  index: number,
  date: number,
  messageId: string,
  receivedAt: number,
): QueueMessage => ({
  kind: 'webhook',
  receivedAt: iso(receivedAt),
  webhook: envelope(lifecycleEvent(step, { id: idOf(index), date: iso(date), messageId })),
});

/** Every integration id a text lists, once per mention. */
const idsIn = (text: string): string[] =>
  text.match(/int-\d{4}-7d1c-4b7e-9a55-3f2a1c0d9e8b/g) ?? [];

const slackText = (post: SlackPost): string => JSON.stringify(post.message.blocks ?? []);

/** How many incidents a Teams card counts without listing them. */
const moreIn = (post: TeamsPost): number =>
  Number(/…and (\d+) more/.exec(JSON.stringify(post.message))?.[1] ?? 0);

/** Runs a storm and gives what each channel received. */
const storm = async (system: AlertSystem) => {
  // Before the outage: 500 integrations created and accepted an hour earlier.
  for (let i = 0; i < COUNT; i++) {
    await system.send(webhook('created', i, START - 3_600_000, `c-${i}`, START - 3_600_000));
    await system.send(webhook('accepted', i, START - 3_500_000, `a-${i}`, START - 3_500_000));
  }
  await system.runUntil(START - 60_000);

  // The outage: 500 `errored` within 10 s; 100 redelivered as is, 100 resent under new ids.
  const outageStart = system.now();
  for (let i = 0; i < COUNT; i++) {
    system.advance(10_000 / COUNT);
    const date = outageStart + i * 20;
    await system.send(webhook('errored', i, date, `e-${i}`, system.now()));
    if (i % 5 === 0) await system.send(webhook('errored', i, date, `e-${i}`, system.now()));
    if (i % 5 === 1) await system.send(webhook('errored', i, date, `e-${i}-resent`, system.now()));
  }
  // More redeliveries after the first message went out.
  await system.runUntil(outageStart + 2 * 60_000);
  for (let i = 0; i < COUNT; i += 7) {
    await system.send(webhook('errored', i, outageStart + i * 20, `e-${i}-late`, system.now()));
  }
  await system.runUntil(outageStart + 15 * 60_000);
  const firing = {
    emails: system.publisher.emails(),
    digests: system.publisher.published(),
    posts: [...system.posts],
    teamsPosts: [...system.teamsPosts],
  };

  // 100 recover, an hour after the outage began.
  const recoveryStart = outageStart + 3_600_000;
  system.advance(recoveryStart - system.now());
  for (let i = 0; i < RECOVERED; i++) {
    await system.send(webhook('accepted', i, recoveryStart + i, `r-${i}`, system.now()));
  }
  await system.runUntil(recoveryStart + 15 * 60_000);
  const digests = system.publisher.published();
  const emails = system.publisher.emails();
  return {
    outageStart,
    recoveryStart,
    firing,
    resolved: {
      emails: emails.slice(firing.emails.length),
      digests: digests.slice(firing.digests.length),
      posts: system.posts.slice(firing.posts.length),
      teamsPosts: system.teamsPosts.slice(firing.teamsPosts.length),
    },
  };
};

const firingOf = (digests: readonly GroupMessage[]) =>
  digests.filter((digest) => digest.status === 'firing');

describe('an alert storm', () => {
  it('reaches each channel as one grouped message listing all 500, then one resolved notice listing the 100', async () => {
    const system = createAlertSystem({
      start: new Date(START - 4_000_000),
      timing: { windowMs: WINDOW_MS, intervalMs: INTERVAL_MS },
    });
    const { outageStart, recoveryStart, firing, resolved } = await storm(system);

    // Email (the SNS publish): one message, within the group window, listing all 500.
    const firingDigests = firingOf(firing.digests);
    expect(firingDigests).toHaveLength(1);
    expect(firing.emails).toHaveLength(1);
    expect(firingDigests[0]?.total).toBe(COUNT);
    expect(new Set(idsIn(firing.emails[0]?.text ?? '')).size).toBe(COUNT);

    // Slack: the same, once, although SNS delivered every publish twice.
    expect(firing.posts).toHaveLength(1);
    const firstPost = firing.posts[0] as SlackPost;
    expect(new Set(idsIn(slackText(firstPost))).size).toBe(COUNT);
    expect(firstPost.at - outageStart).toBeLessThanOrEqual(WINDOW_MS + 10_000 + 1_000);

    // Recovery: one resolved notice per channel, listing exactly the 100 that recovered.
    expect(resolved.digests).toHaveLength(1);
    expect(resolved.digests[0]?.status).toBe('resolved');
    expect(resolved.digests[0]?.total).toBe(RECOVERED);
    const expected = new Set(Array.from({ length: RECOVERED }, (_, i) => idOf(i)));
    expect(new Set(idsIn(resolved.emails[0]?.text ?? ''))).toEqual(expected);
    expect(resolved.posts).toHaveLength(1);
    expect(new Set(idsIn(slackText(resolved.posts[0] as SlackPost)))).toEqual(expected);
    expect((resolved.posts[0] as SlackPost).at - recoveryStart).toBeLessThanOrEqual(
      WINDOW_MS + 1_000,
    );

    // Teams: one card within its 28 KB, listing as many as fit and counting the rest with the
    // command that lists them: every one of the 500 is reported, none twice.
    expect(firing.teamsPosts).toHaveLength(1);
    const card = firing.teamsPosts[0] as TeamsPost;
    expect(card.at - outageStart).toBeLessThanOrEqual(WINDOW_MS + 10_000 + 1_000);
    expect(utf8Bytes(JSON.stringify(card.message))).toBeLessThanOrEqual(TEAMS_MESSAGE_MAX_BYTES);
    const listed = idsIn(JSON.stringify(card.message));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.length).toBeGreaterThan(100);
    expect(listed.length + moreIn(card)).toBe(COUNT);
    expect(JSON.stringify(card.message)).toContain(
      `more: npm run ops -- integrations list --state ERROR`,
    );
    expect(resolved.teamsPosts).toHaveLength(1);
    expect(new Set(idsIn(JSON.stringify((resolved.teamsPosts[0] as TeamsPost).message)))).toEqual(
      expected,
    );
    expect(moreIn(resolved.teamsPosts[0] as TeamsPost)).toBe(0);

    // Nothing failed for good, and the token is in no message.
    const everything = JSON.stringify([system.publisher.emails(), system.posts, system.teamsPosts]);
    expect(everything).not.toContain(TOKEN);
  });

  it('sends later incidents of an open group as one follow-up per group interval', async () => {
    const system = createAlertSystem({
      start: new Date(START),
      timing: { windowMs: WINDOW_MS, intervalMs: INTERVAL_MS },
    });
    // 10 errored, then one more every 20 s for 12 minutes: 36 late incidents.
    for (let i = 0; i < 10; i++) {
      await system.send(webhook('errored', i, START + i, `e-${i}`, START));
    }
    let late = 0;
    for (let t = 20_000; t <= 12 * 60_000; t += 20_000) {
      await system.runUntil(START + t);
      await system.send(webhook('errored', 10 + late, START + t, `e-late-${late}`, START + t));
      late++;
    }
    await system.runUntil(START + 30 * 60_000);

    const digests = firingOf(system.publisher.published());
    const listed = digests.flatMap((digest) =>
      digest.entries.map((entry) => entry.integration?.id),
    );
    expect(new Set(listed).size).toBe(10 + late);
    expect(digests.map((digest) => digest.total).reduce((a, b) => a + b, 0)).toBe(10 + late);
    // First within the window, then follow-ups at least one interval apart.
    const times = system.posts.map((post) => post.at);
    expect(times).toHaveLength(digests.length);
    expect(system.teamsPosts).toHaveLength(digests.length);
    expect((times[0] as number) - START).toBeLessThanOrEqual(WINDOW_MS + 1_000);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(INTERVAL_MS);
    }
    // 12 minutes of trickle: the first message and at most one follow-up per interval.
    expect(digests.length).toBeLessThanOrEqual(1 + Math.ceil((12 * 60_000) / INTERVAL_MS));
    expect(digests.map((digest) => digest.seq)).toEqual(digests.map((_, i) => i + 1));
  });
});
