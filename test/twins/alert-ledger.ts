import { randomUUID } from 'node:crypto';
import { byOccurrence } from '../../functions/alerting/domain/grouping.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import type {
  AlertChannel,
  AlertLedger,
  ChannelClaim,
  GroupHead,
  IncidentState,
  MessageRef,
  RecordTiming,
} from '../../functions/core/ports.ts';
import { copy } from './copy.ts';
import { Faults } from './faults.ts';

interface Incident {
  readonly alert: Alert;
  readonly integrationId: string | undefined;
  digest?: number;
  resolvedAt?: number;
  resolvedBy?: string;
}

interface Head {
  armed: boolean;
  armedAt?: number;
  seq: number;
  open?: number;
  lastFlushAt?: number;
  flushLeaseUntil?: number;
}

interface ChannelMark {
  state: 'claimed' | 'sent';
  leaseUntil: number;
  token: string;
}

interface Group {
  head?: Head;
  /** By integration id (empty when none) and incident key, as the adapter keys them. */
  readonly incidents: Map<string, Incident>;
  /** By message number, then channel. */
  readonly messages: Map<number, Map<AlertChannel, ChannelMark>>;
}

const incidentKeyOf = (alert: Alert): string =>
  `${alert.integration?.id ?? ''}\u0000${alert.incidentKey}`;

const headOf = (head: Head | undefined): GroupHead => ({
  armed: head?.armed ?? false,
  seq: head?.seq ?? 0,
  ...(head?.armed && head.armedAt !== undefined ? { armedAt: head.armedAt } : {}),
  ...(head?.lastFlushAt === undefined ? {} : { lastFlushAt: head.lastFlushAt }),
  ...(head?.open === undefined ? {} : { open: head.open }),
});

/**
 * The alert ledger in memory, with the adapter's rules: each method is one atomic step, as
 * each is one conditional write in DynamoDB.
 */
export class InMemoryAlertLedger implements AlertLedger {
  readonly faults = new Faults<AlertLedger>();
  readonly #groups = new Map<string, Group>();

  async record(
    groupKey: string,
    alert: Alert,
    timing: RecordTiming,
  ): Promise<{ status: 'recorded' } | { status: 'exists'; state: IncidentState }> {
    this.faults.enter('record', [groupKey, alert, timing]);
    const group = this.#group(groupKey);
    const key = incidentKeyOf(alert);
    const found = group.incidents.get(key);
    if (found) {
      const state: IncidentState =
        found.resolvedAt !== undefined
          ? 'resolved'
          : found.digest !== undefined
            ? 'reported'
            : 'pending';
      return { status: 'exists', state };
    }
    group.incidents.set(key, {
      alert: copy(alert),
      integrationId: alert.integration?.id,
    });
    return { status: 'recorded' };
  }

  async head(groupKey: string): Promise<GroupHead> {
    this.faults.enter('head', [groupKey]);
    return headOf(this.#groups.get(groupKey)?.head);
  }

  async arm(groupKey: string, at: Date, lostBefore?: Date): Promise<'armed' | 'already'> {
    this.faults.enter('arm', [groupKey, at, lostBefore]);
    const head = this.#head(groupKey);
    const lost =
      lostBefore !== undefined && head.armedAt !== undefined && head.armedAt < lostBefore.getTime();
    if (head.armed && !lost) return 'already';
    head.armed = true;
    head.armedAt = at.getTime();
    return 'armed';
  }

  async beginFlush(groupKey: string, now: Date, leaseMs: number): Promise<GroupHead | 'busy'> {
    this.faults.enter('beginFlush', [groupKey, now, leaseMs]);
    const head = this.#head(groupKey);
    if (head.flushLeaseUntil !== undefined && head.flushLeaseUntil >= now.getTime()) return 'busy';
    head.flushLeaseUntil = now.getTime() + leaseMs;
    head.armed = false;
    return headOf(head);
  }

  async collect(ref: MessageRef, options: { readonly assign: boolean }): Promise<readonly Alert[]> {
    this.faults.enter('collect', [ref, options]);
    const alerts: Alert[] = [];
    for (const incident of this.#groups.get(ref.groupKey)?.incidents.values() ?? []) {
      if (incident.resolvedAt !== undefined) continue;
      if (options.assign && incident.digest === undefined) incident.digest = ref.seq;
      if (incident.digest === ref.seq) alerts.push(copy(incident.alert));
    }
    return alerts.sort(byOccurrence);
  }

  async open(ref: MessageRef, at: Date): Promise<void> {
    this.faults.enter('open', [ref, at]);
    const head = this.#head(ref.groupKey);
    head.seq = ref.seq;
    head.open = ref.seq;
    head.lastFlushAt = at.getTime();
  }

  async close(ref: MessageRef): Promise<void> {
    this.faults.enter('close', [ref]);
    const head = this.#groups.get(ref.groupKey)?.head;
    if (!head || (head.open !== undefined && head.open !== ref.seq)) return;
    delete head.open;
    delete head.flushLeaseUntil;
  }

  async endFlush(groupKey: string): Promise<void> {
    this.faults.enter('endFlush', [groupKey]);
    const head = this.#groups.get(groupKey)?.head;
    if (head) delete head.flushLeaseUntil;
  }

  async claim(
    ref: MessageRef,
    channel: AlertChannel,
    now: Date,
    leaseMs: number,
  ): Promise<ChannelClaim> {
    this.faults.enter('claim', [ref, channel, now, leaseMs]);
    const group = this.#group(ref.groupKey);
    const message = group.messages.get(ref.seq) ?? new Map<AlertChannel, ChannelMark>();
    group.messages.set(ref.seq, message);
    const mark = message.get(channel);
    if (mark?.state === 'sent') return { status: 'sent' };
    if (mark && mark.leaseUntil >= now.getTime()) {
      return { status: 'busy', leaseUntil: mark.leaseUntil };
    }
    const token = randomUUID();
    message.set(channel, { state: 'claimed', leaseUntil: now.getTime() + leaseMs, token });
    return { status: 'claimed', token };
  }

  async markSent(ref: MessageRef, channel: AlertChannel, token: string, at: Date): Promise<void> {
    this.faults.enter('markSent', [ref, channel, token, at]);
    const mark = this.#groups.get(ref.groupKey)?.messages.get(ref.seq)?.get(channel);
    if (mark?.token === token) mark.state = 'sent';
  }

  async resolve(
    groupKey: string,
    integrationId: string,
    by: { readonly eventId: string; readonly at: Date },
  ): Promise<readonly Alert[]> {
    this.faults.enter('resolve', [groupKey, integrationId, by]);
    const alerts: Alert[] = [];
    for (const incident of this.#groups.get(groupKey)?.incidents.values() ?? []) {
      if ((incident.integrationId ?? '') !== integrationId) continue;
      if (incident.resolvedAt === undefined) {
        incident.resolvedAt = by.at.getTime();
        incident.resolvedBy = by.eventId;
      }
      if (incident.digest !== undefined && incident.resolvedBy === by.eventId) {
        alerts.push(copy(incident.alert));
      }
    }
    return alerts.sort(byOccurrence);
  }

  /** Where message `ref` stands on `channel`: what a test checks after a flush. */
  channelState(ref: MessageRef, channel: AlertChannel): 'claimed' | 'sent' | undefined {
    return this.#groups.get(ref.groupKey)?.messages.get(ref.seq)?.get(channel)?.state;
  }

  #group(groupKey: string): Group {
    const found = this.#groups.get(groupKey);
    if (found) return found;
    const group: Group = { incidents: new Map(), messages: new Map() };
    this.#groups.set(groupKey, group);
    return group;
  }

  #head(groupKey: string): Head {
    const group = this.#group(groupKey);
    group.head ??= { armed: false, seq: 0 };
    return group.head;
  }
}
