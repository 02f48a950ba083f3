import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  alertSubject,
  EMAIL_SNS_MESSAGE_MAX_BYTES,
  messageSubject,
  snsMessageOf,
} from '../../functions/alerting/channels/email.ts';
import { slackAlertMessage, slackMessage } from '../../functions/alerting/channels/slack.ts';
import { boundAlert, COMPACT_ALERT_BOUNDS } from '../../functions/alerting/domain/bounds.ts';
import { LOCAL_OPS } from '../../functions/alerting/domain/commands.ts';
import {
  deliveryErrorAlert,
  integrationErroredAlert,
  integrationResolvedAlert,
  quarantinedAlert,
} from '../../functions/alerting/domain/content.ts';
import {
  EmptyGroupMessageError,
  groupMessageOf,
} from '../../functions/alerting/domain/group-message.ts';
import {
  groupKeyOf,
  isResolvedGroup,
  resolvedGroupKey,
} from '../../functions/alerting/domain/grouping.ts';
import { runbookOf } from '../../functions/alerting/domain/kinds.ts';
import { alertText, groupMessageText } from '../../functions/alerting/domain/plain-text.ts';
import { type Alert, type GroupMessage, GroupMessageSchema } from '../../functions/core/alerts.ts';
import type { IntegrationEvent } from '../../functions/core/events.ts';
import { asciiJson, SQS_FORBIDDEN_CHARACTER, utf8Bytes } from '../../functions/core/limits.ts';
import { applyToRegisters, type Registers } from '../../functions/core/state.ts';
import { historyEntryOf, integrationView } from '../../functions/core/view.ts';
import { lifecycleEvent } from '../support/events.ts';

const TOKEN = 'tok_SECRET_123';
const ORG = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const SERVICE = 's0t1u2v3-w4x5-6789-yzab-012345678901';
const BASE = Date.parse('2024-06-11T14:00:00.000Z');

/** The view the processor builds after `events` (arrival order). */
const viewOf = (events: readonly IntegrationEvent[]) => {
  const [first] = events;
  if (!first) throw new Error('no events');
  let registers: Registers = {};
  for (const event of events) registers = applyToRegisters(registers, event).registers;
  const history = events.map((event) => historyEntryOf(event, event.header.date));
  const view = integrationView(
    first.body.id,
    { id: first.body.id, registers, hasAccessToken: true },
    history,
  );
  if (!view) throw new Error('no view');
  return view;
};

interface Member {
  readonly id: string;
  readonly locationId: string;
}

/** A lifecycle event of integration `member` of organization `org` and service `service`. */
const eventOf = (
  step: 'created' | 'accepted' | 'errored',
  member: Member,
  at: number,
  group: { readonly org: string; readonly service: string } = { org: ORG, service: SERVICE },
): IntegrationEvent => {
  const event = lifecycleEvent(step, {
    id: member.id,
    date: new Date(at).toISOString(),
    messageId: `${step}-${at}`,
    accessToken: TOKEN,
  });
  return {
    ...event,
    header: { ...event.header, organizationId: group.org },
    body: { ...event.body, locationId: member.locationId, fulfillmentServiceId: group.service },
  };
};

/** The errored alerts of `members`, one second apart, oldest first. */
const erroredAlerts = (
  members: readonly Member[],
  group?: { readonly org: string; readonly service: string },
): Alert[] =>
  members.map((member, index) => {
    const created = eventOf('created', member, BASE - 3_600_000, group);
    const errored = eventOf('errored', member, BASE + index * 1_000, group);
    return integrationErroredAlert(errored, viewOf([created, errored]));
  });

const uuidMembers = (count: number): Member[] =>
  Array.from({ length: count }, () => ({ id: randomUUID(), locationId: randomUUID() }));

interface RenderedBlock {
  readonly type: string;
  readonly text?: { readonly text: string };
  readonly elements?: readonly { readonly text: string }[];
}

const blocksOf = (digest: GroupMessage): RenderedBlock[] =>
  (slackMessage(digest).blocks ?? []) as RenderedBlock[];

/** The entry lines of a grouped Slack message, and the count its "…and N more" line gives. */
const slackListing = (digest: GroupMessage) => {
  const texts = blocksOf(digest).flatMap((block) =>
    block.type === 'section' && block.text ? [block.text.text] : [],
  );
  const lines = texts.filter((text) => text.startsWith('• ')).flatMap((text) => text.split('\n'));
  const more = texts.map((text) => /^…and (\d+) more: `/.exec(text)?.[1]).find(Boolean);
  return { lines, more: more === undefined ? 0 : Number(more) };
};

const SnsBody = v.object({ default: v.string(), email: v.string(), sqs: v.string() });

/** What each protocol receives from the SNS publish of `digest`. */
const snsCopies = (digest: GroupMessage) => {
  const { subject, message } = snsMessageOf(digest);
  const body = v.parse(SnsBody, JSON.parse(message));
  return {
    subject,
    message,
    email: body.email,
    default: body.default,
    sqs: v.parse(GroupMessageSchema, JSON.parse(body.sqs)),
  };
};

const moreInText = (text: string): number => {
  const found = /^ {2}and (\d+) more: /m.exec(text);
  return found ? Number(found[1]) : 0;
};

describe('groupKeyOf', () => {
  const [one, two] = erroredAlerts(uuidMembers(2));
  if (!one || !two) throw new Error('no alerts');

  it('gives the integrations of one organization and service the same key, of kind, organization and service', () => {
    expect(groupKeyOf(one)).toBe(`integration-errored|${ORG}|${SERVICE}`);
    expect(groupKeyOf(two)).toBe(groupKeyOf(one));
  });

  it('separates fulfillment services, organizations and kinds', () => {
    const [other] = erroredAlerts(uuidMembers(1), { org: ORG, service: 'fs-2' });
    const [elsewhere] = erroredAlerts(uuidMembers(1), { org: 'org-2', service: SERVICE });
    if (!other || !elsewhere) throw new Error('no alerts');
    expect(groupKeyOf(other)).toBe(`integration-errored|${ORG}|fs-2`);
    expect(groupKeyOf(elsewhere)).toBe(`integration-errored|org-2|${SERVICE}`);
    expect(groupKeyOf({ ...one, kind: 'integration-rejected' })).toBe(
      `integration-rejected|${ORG}|${SERVICE}`,
    );
  });

  it('groups kinds that are not about one integration by organization only, null as -', () => {
    const quarantined = quarantinedAlert({
      id: 'q1',
      source: 'happycolis',
      receivedAt: '2024-06-12T00:00:00.000Z',
      errors: [],
    });
    expect(groupKeyOf(quarantined)).toBe('quarantined|-');
    expect(groupKeyOf({ ...quarantined, organizationId: ORG })).toBe(`quarantined|${ORG}`);
    expect(groupKeyOf({ ...one, organizationId: null })).toBe(`integration-errored|-|${SERVICE}`);
  });

  it('puts a resolved notice in the errored group plus |resolved', () => {
    const member = { id: 'i-1', locationId: 'l-1' };
    const created = eventOf('created', member, BASE - 3_600_000);
    const errored = eventOf('errored', member, BASE);
    const accepted = eventOf('accepted', member, BASE + 60_000);
    const reported = integrationErroredAlert(errored, viewOf([created, errored]));
    const resolved = integrationResolvedAlert({
      reported,
      event: accepted,
      view: viewOf([created, errored, accepted]),
    });
    expect(groupKeyOf(resolved)).toBe(`${groupKeyOf(reported)}|resolved`);
    expect(groupKeyOf(resolved)).toBe(resolvedGroupKey(groupKeyOf(reported)));
    expect(isResolvedGroup(groupKeyOf(resolved))).toBe(true);
    expect(isResolvedGroup(groupKeyOf(reported))).toBe(false);
  });

  it('stays within 512 bytes for long ids, deterministic and distinct', () => {
    const long = (fill: string) => ({ org: fill.repeat(1000), service: `${fill}€`.repeat(700) });
    const [a] = erroredAlerts(uuidMembers(1), long('a'));
    const [b] = erroredAlerts(uuidMembers(1), long('a'));
    const [c] = erroredAlerts(uuidMembers(1), long('b'));
    if (!a || !b || !c) throw new Error('no alerts');
    expect(utf8Bytes(groupKeyOf(a))).toBeLessThanOrEqual(512);
    expect(utf8Bytes(resolvedGroupKey(groupKeyOf(a)))).toBeLessThanOrEqual(512);
    expect(groupKeyOf(a)).toMatch(/^integration-errored\|sha256:[0-9a-f]{64}$/);
    expect(groupKeyOf(b)).toBe(groupKeyOf(a));
    expect(groupKeyOf(c)).not.toBe(groupKeyOf(a));
  });

  it('never confuses two groups, nor reads a firing group as resolved, whatever the ids (property)', () => {
    const id = fc.oneof(
      fc.constantFrom('-', 'resolved', '|', '%7C', '%2D', 'a|b', ''),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    const [template] = erroredAlerts(uuidMembers(1));
    const integration = template?.integration;
    if (!template || !integration) throw new Error('no alert');
    const alertFor = (org: string | null, service: string | null): Alert => ({
      ...template,
      organizationId: org,
      integration: { ...integration, fulfillmentServiceId: service },
    });
    fc.assert(
      fc.property(
        fc.tuple(fc.option(id), fc.option(id)),
        fc.tuple(fc.option(id), fc.option(id)),
        ([orgA, serviceA], [orgB, serviceB]) => {
          const a = groupKeyOf(alertFor(orgA, serviceA));
          const b = groupKeyOf(alertFor(orgB, serviceB));
          expect(a === b).toBe(orgA === orgB && serviceA === serviceB);
          expect(isResolvedGroup(a)).toBe(false);
          expect(utf8Bytes(resolvedGroupKey(a))).toBeLessThanOrEqual(512);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('groupMessageOf', () => {
  it('carries a single incident whole, so every channel reads it exactly as the alert', () => {
    const [alert] = erroredAlerts(uuidMembers(1));
    if (!alert) throw new Error('no alert');
    const digest = groupMessageOf({ groupKey: groupKeyOf(alert), seq: 4, alerts: [alert] });
    expect(v.is(GroupMessageSchema, digest)).toBe(true);
    expect(digest).toMatchObject({
      version: 2,
      seq: 4,
      status: 'firing',
      total: 1,
      title: alert.title,
      severity: alert.severity,
      alert: boundAlert(alert),
    });
    expect(groupMessageText(digest)).toBe(alertText(alert));
    expect(messageSubject(digest)).toBe(alertSubject(alert));
    expect(slackMessage(digest)).toEqual(slackAlertMessage(alert));
    const sns = snsCopies(digest);
    expect(sns.email).toBe(alertText(alert));
    expect(sns.default).toBe(alertText(alert));
    expect(sns.sqs).toEqual(digest);
  });

  it('lists many incidents in order under one title, with the command that lists them all', () => {
    const members = uuidMembers(3);
    const alerts = erroredAlerts(members);
    const digest = groupMessageOf({
      groupKey: `integration-errored|${ORG}|${SERVICE}`,
      seq: 1,
      alerts,
    });
    expect(v.is(GroupMessageSchema, digest)).toBe(true);
    expect(digest).toMatchObject({
      status: 'firing',
      kind: 'integration-errored',
      severity: 'critical',
      organizationId: ORG,
      fulfillmentServiceId: SERVICE,
      total: 3,
      title: `3 fulfillment integrations errored — fulfillment service ${SERVICE} (organization ${ORG})`,
      listCommand: `npm run ops -- integrations list --state ERROR --organization ${ORG} --service ${SERVICE} --all`,
    });
    expect(digest.alert).toBeUndefined();
    expect(digest.entries).toEqual(
      alerts.map((alert, index) => ({
        incidentKey: alert.incidentKey,
        occurredAt: new Date(BASE + index * 1_000).toISOString(),
        title: '',
        integration: { ...members[index], fulfillmentServiceId: SERVICE },
      })),
    );

    const text = groupMessageText(digest);
    expect(text).toMatch(/^CRITICAL: 3 fulfillment integrations errored/);
    expect(text).toContain('When                      Location');
    for (const [index, member] of members.entries()) {
      expect(text).toContain(
        `  ${new Date(BASE + index * 1_000).toISOString()}  ${member.locationId}  ${member.id}\n`,
      );
    }
    expect(text).not.toContain('more:');
    expect(text.match(/What to do:/g)).toHaveLength(1);
    expect(text).toMatch(/What to do:\n {2}1\. Investigate/);
    expect(messageSubject(digest)).toMatch(/^\[CRITICAL\] 3 fulfillment integrations errored — /);
  });

  it('marks follow-ups and resolved groups in the title', () => {
    const alerts = erroredAlerts(uuidMembers(2));
    const followUp = groupMessageOf({ groupKey: 'g', seq: 3, alerts });
    expect(followUp.title).toMatch(/ \(follow-up 2\)$/);
    expect(followUp.summary).toContain('since message 2');

    const resolved = alerts.map((reported, index) => {
      const member = {
        id: reported.integration?.id ?? '',
        locationId: reported.integration?.locationId ?? '',
      };
      const errored = eventOf('errored', member, Date.parse(reported.occurredAt));
      const accepted = eventOf('accepted', member, BASE + 600_000 + index);
      return integrationResolvedAlert({
        reported,
        event: accepted,
        view: viewOf([errored, accepted]),
      });
    });
    const [first] = resolved;
    if (!first) throw new Error('no alert');
    const digest = groupMessageOf({ groupKey: groupKeyOf(first), seq: 1, alerts: resolved });
    expect(digest.status).toBe('resolved');
    expect(digest.kind).toBe('integration-resolved');
    expect(digest.title).toBe(
      `Resolved: 2 fulfillment integrations ACTIVE again — fulfillment service ${SERVICE} (organization ${ORG})`,
    );
    expect(digest.listCommand).toContain('--state ACTIVE');
    const blocks = blocksOf(digest);
    expect(blocks[0]?.text?.text).toMatch(/^:white_check_mark: Resolved: 2/);
  });

  it('gives incidents without an integration a short line of their own', () => {
    const alerts = [
      quarantinedAlert({
        id: 'q-1',
        source: 'happycolis',
        receivedAt: '2024-06-12T00:00:00.000Z',
        errors: [{ path: 'header.date', message: 'must have a time zone' }],
      }),
      quarantinedAlert({
        id: 'q-2',
        source: 'delivery-errors',
        receivedAt: '2024-06-12T00:00:01.000Z',
        errors: [],
      }),
    ];
    const digest = groupMessageOf({ groupKey: groupKeyOf(alerts[0] as Alert), seq: 1, alerts });
    expect(digest.entries.map((entry) => [entry.title, entry.integration])).toEqual([
      ['quarantine q-1: header.date must have a time zone', null],
      ['quarantine q-2', null],
    ]);
    expect(digest.listCommand).toBe('npm run ops -- quarantine list --all');
    expect(groupMessageText(digest)).toContain(
      '  2024-06-12T00:00:00.000Z  quarantine q-1: header.date must have a time zone',
    );

    const notices = ['503', '502'].map((code, index) =>
      deliveryErrorAlert({
        id: `n-${index}`,
        receivedAt: '2024-06-12T00:00:00.000Z',
        notice: { code, endpoint: 'https://hooks.example.test/x', message: 'down' },
      }),
    );
    const noticeDigest = groupMessageOf({ groupKey: 'delivery-error|-', seq: 1, alerts: notices });
    expect(noticeDigest.entries.map((entry) => entry.title)).toEqual([
      'https://hooks.example.test/x (code 503)',
      'https://hooks.example.test/x (code 502)',
    ]);
    expect(noticeDigest.listCommand).toBe('npm run ops -- notices list --all');
  });

  it('is critical when any incident is, and refuses an empty group', () => {
    const [critical] = erroredAlerts(uuidMembers(1));
    if (!critical) throw new Error('no alert');
    const warning = { ...critical, severity: 'warning' as const, incidentKey: 'w' };
    expect(groupMessageOf({ groupKey: 'g', seq: 1, alerts: [warning, warning] }).severity).toBe(
      'warning',
    );
    expect(groupMessageOf({ groupKey: 'g', seq: 1, alerts: [warning, critical] }).severity).toBe(
      'critical',
    );
    expect(() => groupMessageOf({ groupKey: 'g', seq: 1, alerts: [] })).toThrow(
      EmptyGroupMessageError,
    );
  });
});

describe('a single incident too big for SNS', () => {
  it('falls back to the compact alert bounds, as the alert publisher does', () => {
    const wide = '\u{1F4A5}'.repeat(400);
    const raw = quarantinedAlert({
      id: wide,
      source: wide,
      receivedAt: '2024-06-12T00:00:00.000Z',
      errors: Array.from({ length: 20 }, (_, index) => ({
        path: `${index}${wide}`,
        message: wide,
      })),
    });
    const huge: Alert = {
      ...raw,
      summary: wide.repeat(10),
      facts: [
        { label: 'Quarantine id', value: wide },
        ...Array.from({ length: 19 }, (_, index) => ({ label: `${index}${wide}`, value: wide })),
      ],
    };
    const digest = groupMessageOf({ groupKey: groupKeyOf(huge), seq: 1, alerts: [huge] });
    const sns = snsCopies(digest);
    expect(utf8Bytes(sns.message)).toBeLessThanOrEqual(EMAIL_SNS_MESSAGE_MAX_BYTES);
    // The message carries the runbook of its kind, its commands naming the (huge) id.
    const compact = boundAlert(
      { ...huge, actions: runbookOf(huge, LOCAL_OPS) },
      COMPACT_ALERT_BOUNDS,
    );
    expect(compact.actions[0]).toContain('quarantine show');
    expect(sns.sqs.alert).toEqual(compact);
    expect(sns.email).toBe(alertText(compact));
    expect(sns.subject).toBe(alertSubject(compact));
    // The usual bounds alone would not have fitted.
    const usual = alertText(boundAlert(huge));
    expect(
      utf8Bytes(asciiJson({ default: usual, email: usual, sqs: asciiJson(digest) })),
    ).toBeGreaterThan(EMAIL_SNS_MESSAGE_MAX_BYTES);
  });
});

describe('a provider outage of 500 integrations', () => {
  const members = uuidMembers(500);
  const digest = groupMessageOf({
    groupKey: `integration-errored|${ORG}|${SERVICE}`,
    seq: 1,
    alerts: erroredAlerts(members),
  });

  it('lists every integration in the email text and in the JSON the Slack notifier reads', () => {
    const sns = snsCopies(digest);
    expect(utf8Bytes(sns.message)).toBeLessThanOrEqual(EMAIL_SNS_MESSAGE_MAX_BYTES);
    expect(sns.sqs.entries).toHaveLength(500);
    expect(sns.sqs.entries.map((entry) => entry.integration?.id)).toEqual(
      members.map((member) => member.id),
    );
    const rows = sns.email
      .split('\n')
      .filter((line) => /^ {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}/.test(line));
    expect(rows).toHaveLength(500);
    rows.forEach((row, index) => {
      expect(row).toContain(members[index]?.id);
      expect(row).toContain(members[index]?.locationId);
    });
    expect(sns.email).not.toContain('more:');
    expect(sns.default).not.toContain(members[0]?.id);
  });

  it('lists every integration in Slack, within 50 blocks', () => {
    const blocks = blocksOf(digest);
    expect(blocks.length).toBeLessThanOrEqual(50);
    const { lines, more } = slackListing(digest);
    expect(more).toBe(0);
    expect(lines).toHaveLength(500);
    lines.forEach((line, index) => {
      expect(line).toContain(`\`${members[index]?.id}\``);
    });
  });
});

describe('when a group outgrows a channel', () => {
  it('counts in Slack what the SNS copy no longer lists, down to one', () => {
    const digest = groupMessageOf({ groupKey: 'g', seq: 1, alerts: erroredAlerts(uuidMembers(3)) });
    const received = { ...digest, entries: digest.entries.slice(0, 2) };
    expect(slackListing(received)).toMatchObject({ more: 1 });
    expect(slackListing(received).lines).toHaveLength(2);
    expect(groupMessageText(received)).toContain(`  and 1 more: ${digest.listCommand}`);
  });

  // Ids at the quoted-value bound, made of characters that escape to the most bytes.
  const wide = (index: number) => `${index}-${'\u{1F4A5}'.repeat(200)}`;
  const members = Array.from({ length: 500 }, (_, index) => ({
    id: wide(index),
    locationId: wide(index + 1000),
  }));
  const digest = groupMessageOf({ groupKey: 'g', seq: 1, alerts: erroredAlerts(members) });

  it('fills Slack to its 50 blocks, then counts the rest with the command listing them', () => {
    const blocks = blocksOf(digest);
    expect(blocks).toHaveLength(50);
    const { lines, more } = slackListing(digest);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.length + more).toBe(500);
    lines.forEach((line, index) => {
      expect(line).toContain(`\`${digest.entries[index]?.integration?.id}\``);
    });
    expect(JSON.stringify(blocks)).toContain(`…and ${more} more: \`${digest.listCommand}\``);
  });

  it('drops listed entries from the end until SNS takes it, and says how many more', () => {
    const sns = snsCopies(digest);
    expect(utf8Bytes(sns.message)).toBeLessThanOrEqual(EMAIL_SNS_MESSAGE_MAX_BYTES);
    const listed = sns.sqs.entries.length;
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThan(500);
    expect(sns.sqs.entries).toEqual(digest.entries.slice(0, listed));
    expect(sns.sqs.total).toBe(500);
    expect(moreInText(sns.email)).toBe(500 - listed);
    expect(sns.email).toContain(`and ${500 - listed} more: ${digest.listCommand}`);
    // Slack shows what it was handed: the listed ones, and counts the rest.
    const { lines, more } = slackListing(sns.sqs);
    expect(lines.length + more).toBe(500);
  });
});

/** Ids a sender may send: UUIDs, or anything at all. */
const anyId = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 300, size: 'max' }),
  fc.string({ unit: fc.constantFrom('<', '>', '&', '`', '*', '\n', '|', 'a'), maxLength: 80 }),
);

describe('digest renderings (property)', () => {
  it('list every incident in order when they fit, stay within every channel limit, count the rest, and never carry the token', () => {
    fc.assert(
      fc.property(
        anyId,
        anyId,
        // Up to groups that outgrow Slack's blocks when ids are long.
        fc.array(fc.record({ id: anyId, locationId: anyId }), {
          minLength: 1,
          maxLength: 150,
          size: 'max',
        }),
        fc.integer({ min: 1, max: 5 }),
        (org, service, members, seq) => {
          const alerts = erroredAlerts(members, { org, service });
          const [first] = alerts;
          if (!first) throw new Error('no alert');
          const digest = groupMessageOf({ groupKey: groupKeyOf(first), seq, alerts });
          expect(v.is(GroupMessageSchema, digest)).toBe(true);
          expect(digest.total).toBe(alerts.length);
          expect(digest.entries.map((entry) => entry.incidentKey)).toEqual(
            alerts.map((alert) => boundAlert(alert).incidentKey),
          );

          const message = slackMessage(digest);
          const blocks = (message.blocks ?? []) as RenderedBlock[];
          expect(blocks.length).toBeLessThanOrEqual(50);
          for (const block of blocks) {
            const limit = block.type === 'header' ? 150 : 3000;
            if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(limit);
            for (const element of block.elements ?? []) {
              expect(element.text.length).toBeLessThanOrEqual(3000);
            }
          }
          expect(message.text?.length ?? 0).toBeLessThanOrEqual(3000);

          const sns = snsCopies(digest);
          expect(utf8Bytes(sns.message)).toBeLessThanOrEqual(EMAIL_SNS_MESSAGE_MAX_BYTES);
          expect(sns.subject.length).toBeLessThanOrEqual(99);
          expect(sns.subject).not.toMatch(/[\r\n]/);
          expect(sns.sqs.entries).toEqual(digest.entries.slice(0, sns.sqs.entries.length));
          if (alerts.length > 1) {
            expect(sns.sqs.entries.length + moreInText(sns.email)).toBe(alerts.length);
            const slack = slackListing(digest);
            expect(slack.lines.length + slack.more).toBe(alerts.length);
            const received = slackListing(sns.sqs);
            expect(received.lines.length + received.more).toBe(alerts.length);
          }

          // Characters SNS, SQS or Slack refuse never reach them.
          expect(SQS_FORBIDDEN_CHARACTER.test(groupMessageText(digest))).toBe(false);
          expect(SQS_FORBIDDEN_CHARACTER.test(JSON.stringify(message))).toBe(false);
          for (const rendering of [
            JSON.stringify(digest),
            JSON.stringify(message),
            sns.message,
            groupMessageText(digest),
          ]) {
            expect(rendering).not.toContain(TOKEN);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
