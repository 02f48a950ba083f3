import { ALERT_CHANNELS, type AlertChannel } from '../definitions/alert-channels.ts';
import type { Alert, GroupMessage } from './alerts.ts';
import type { IntegrationEvent, IntegrationState } from './events.ts';
import type {
  IntegrationFilter,
  IntegrationSummary,
  NoticeSummary,
  Page,
  PageRequest,
  QuarantineFilter,
  QuarantineSummary,
} from './fleet.ts';
import type { QueueMessage } from './queue-message.ts';
import type { Registers } from './state.ts';

/**
 * The ports of the use cases, in our own words. One adapter each talks to AWS
 * (`functions/adapters/`); tests may plug in-memory twins.
 */

/** Puts a message on the event queue; resolves only once it is durably stored. */
export interface EventQueue {
  send(
    message: QueueMessage,
    options?: {
      /** Hidden from consumers for this long (0–900 s, SQS's per-message delay). */
      readonly delaySeconds?: number;
    },
  ): Promise<{ readonly queueMessageId: string }>;
}

/** Publishes one message of an alert group to whoever subscribes (email, Slack). */
export interface AlertPublisher {
  publish(message: GroupMessage): Promise<void>;
}

/** The integration item as stored: registers, plus whether a token is held (never the token). */
export interface StoredIntegration {
  readonly id: string;
  readonly registers: Registers;
  readonly hasAccessToken: boolean;
}

/** One recorded event of an integration's history. No token, no body. */
export interface HistoryEntry {
  readonly type: string;
  readonly date: string;
  readonly messageId: string;
  readonly webhookId: string;
  /** When the processor first saw the event; replaying by it tells each event's outcome. */
  readonly receivedAt: string;
  /** Ordering key and resulting state, for lifecycle events; absent for unknown types. */
  readonly key?: string;
  readonly state?: IntegrationState;
}

/**
 * Something recorded once. The identity is semantic: redelivery and resend under a new
 * `messageId` land on the same record.
 */
export type RecordRef =
  | { readonly kind: 'event'; readonly integrationId: string; readonly eventId: string }
  | { readonly kind: 'quarantine'; readonly id: string }
  | { readonly kind: 'notice'; readonly id: string };

/** When and until when a record is kept. */
export interface RecordTiming {
  /** When it was first written. */
  readonly recordedAt: string;
  /** Epoch seconds after which DynamoDB TTL may delete it. */
  readonly expiresAt: number;
}

/** What the processor records for a quarantined payload. */
export interface QuarantineRecord {
  readonly source: string;
  readonly receivedAt: string;
  readonly errors: readonly { readonly path: string; readonly message: string }[];
  /** Tokens already redacted. */
  readonly payload: string;
  /** Present when `payload` is an excerpt: the whole payload's size and SHA-256 digest. */
  readonly payloadTruncated?: {
    readonly truncated: true;
    readonly bytes: number;
    readonly sha256: string;
  };
}

/** What the processor records for a delivery-error notice. */
export interface NoticeRecord {
  readonly code: string;
  readonly endpoint: string;
  readonly message: string;
  readonly receivedAt: string;
}

export interface IntegrationStore {
  /**
   * Records an event in the integration's history unless the same event (same integration,
   * type and date) is there already.
   */
  recordEvent(
    integrationId: string,
    entry: HistoryEntry,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'>;

  /**
   * Writes the event into its step's register if the core's condition holds
   * (`conditionFor(event)`). Returns the integration as stored after the write, or
   * `undefined` when the condition refused it.
   */
  applyEvent(event: IntegrationEvent, at: Date): Promise<StoredIntegration | undefined>;

  getIntegration(id: string): Promise<StoredIntegration | undefined>;

  /** The integration and its history (any order); both empty when nothing is known. */
  getIntegrationWithHistory(id: string): Promise<{
    readonly integration?: StoredIntegration;
    readonly history: readonly HistoryEntry[];
  }>;

  /** Records a quarantined payload or a notice once; later attempts find it `exists`. */
  recordQuarantine(
    ref: Extract<RecordRef, { kind: 'quarantine' }>,
    record: QuarantineRecord,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'>;
  recordNotice(
    ref: Extract<RecordRef, { kind: 'notice' }>,
    record: NoticeRecord,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'>;
}

/** An integration listed as PENDING: it entered PENDING at `pendingSince`. */
export interface PendingEntry {
  readonly integrationId: string;
  /** `header.date` of the `created` event that put it there. */
  readonly pendingSince: string;
}

/**
 * The integrations that are PENDING, read by the stuck-PENDING check. An index may lag: an
 * entry can name an integration that has moved on since, which the check finds on its re-read.
 */
export interface PendingStore {
  /** Every entry that entered PENDING strictly before `cutoff` (ISO), oldest first. */
  listPendingBefore(cutoff: string): AsyncIterable<PendingEntry>;
  /**
   * Takes an entry out of the list where it stays by itself after the integration moved on
   * (an index written by earlier versions); `changed` when there was nothing to take out, or
   * a newer `created` event moved it.
   */
  clearPending(entry: PendingEntry): Promise<'cleared' | 'changed'>;
}

/** A quarantine record as an operator reads it: what was kept, and whether it was replayed. */
export interface QuarantineDetail extends QuarantineRecord {
  readonly id: string;
  /** When a replay sent it back into the pipeline; absent until then. */
  readonly replayedAt?: string;
}

/**
 * What operators read of the fleet, through indexes built for each question (see
 * `FLEET_INDEXES`). Lists are newest first and paginated by list key.
 */
export interface FleetQueries {
  listIntegrations(filter: IntegrationFilter, page: PageRequest): Promise<Page<IntegrationSummary>>;
  listQuarantine(filter: QuarantineFilter, page: PageRequest): Promise<Page<QuarantineSummary>>;
  getQuarantine(id: string): Promise<QuarantineDetail | undefined>;
  /** Marks a quarantine record replayed, once; `already` when an earlier replay marked it. */
  markQuarantineReplayed(id: string, at: Date): Promise<'marked' | 'already' | 'missing'>;
  listNotices(page: PageRequest): Promise<Page<NoticeSummary>>;
}

/** One dead-lettered message, as an operator needs to see it. Never the payload's token. */
export interface DeadLetterSample {
  readonly sqsMessageId: string;
  /** When it was first sent to the event queue. */
  readonly sentAt?: string;
  readonly receiveCount?: number;
  /** `webhook`, `delivery-error`, `quarantine`, or `unreadable`. */
  readonly kind: string;
  /** What it was about: event type and integration id, or notice endpoint. */
  readonly summary: string;
  /** What can be said of the failure now (re-validation with the current code). */
  readonly diagnosis: string;
}

/** Progress of a redrive: SQS's own move task in the cloud, a copy loop locally. */
export interface RedriveStatus {
  readonly status: 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'NONE';
  readonly moved: number;
  readonly toMove?: number;
  readonly startedAt?: string;
  readonly failureReason?: string;
}

/** The event queue's dead-letter queue, for inspection and redrive. */
export interface DeadLetterQueue {
  /** Approximate depth, the oldest sample's age, and up to `sample` messages (left in place). */
  inspect(sample: number): Promise<{
    readonly count: number;
    readonly oldestSentAt?: string;
    readonly sample: readonly DeadLetterSample[];
  }>;
  /** Starts moving every message back to the event queue, at most `ratePerSecond`. */
  startRedrive(ratePerSecond: number): Promise<RedriveStatus>;
  /** The latest redrive's progress, `NONE` when none ran. */
  redriveStatus(): Promise<RedriveStatus>;
}

/** One message of an alert group: the group, and the message's number in it (1, 2, …). */
export interface MessageRef {
  readonly groupKey: string;
  readonly seq: number;
}

/** Where a message goes out (`email`, the SNS publish, and each chat channel). */
export { ALERT_CHANNELS, type AlertChannel };

/** Where an incident stands in its group. */
export type IncidentState =
  /** Recorded, waiting for its group's next message. */
  | 'pending'
  /** Listed in a message of its group. */
  | 'reported'
  /** Resolved before or after it was reported; never reported again. */
  | 'resolved';

/** The bookkeeping of one alert group. */
export interface GroupHead {
  /** A flush message is on its way (set by `arm`, cleared by `beginFlush`). */
  readonly armed: boolean;
  /** When the group was armed (epoch ms); present while it is. */
  readonly armedAt?: number;
  /** When the group's latest message was opened (epoch ms); absent before the first. */
  readonly lastFlushAt?: number;
  /** Number of the latest message opened; 0 before the first. */
  readonly seq: number;
  /** A message opened and not closed (its flush crashed): finished before a new one. */
  readonly open?: number;
}

/** The result of claiming a message for one channel, inside one conditional write. */
export type ChannelClaim =
  /** Ours to send until the lease ends; `token` proves it when marking it sent. */
  | { readonly status: 'claimed'; readonly token: string }
  /** Already sent on this channel: nothing to do. */
  | { readonly status: 'sent' }
  /** Claimed by someone else whose lease has not ended (epoch ms). */
  | { readonly status: 'busy'; readonly leaseUntil: number };

/**
 * The one alert ledger, for every kind (lifecycle, quarantine, notice, stuck-PENDING, resolved):
 * incidents recorded once per `incidentKey` in their group; each group flushed into numbered
 * messages by one flusher at a time; each message claimed, sent and marked once per channel.
 */
export interface AlertLedger {
  /**
   * Records `alert` as owed in group `groupKey`, once per `alert.incidentKey` (a conditional
   * write). `exists` when it was recorded before, with where it stands now.
   */
  record(
    groupKey: string,
    alert: Alert,
    timing: RecordTiming,
  ): Promise<
    { readonly status: 'recorded' } | { readonly status: 'exists'; readonly state: IncidentState }
  >;

  /** The group's head (a strongly consistent read); `{ armed: false, seq: 0 }` for a new group. */
  head(groupKey: string): Promise<GroupHead>;

  /**
   * Marks a flush message on its way unless one already is (a conditional write). With
   * `lostBefore`, a group armed before then counts as not armed: its flush is presumed lost
   * (dead-lettered) and the caller has sent another.
   */
  arm(groupKey: string, at: Date, lostBefore?: Date): Promise<'armed' | 'already'>;

  /**
   * Takes the group for flushing until `now + leaseMs`, and disarms it in the same conditional
   * write, so an incident recorded from now on arms a new flush. `busy` while another flusher's
   * lease runs.
   */
  beginFlush(groupKey: string, now: Date, leaseMs: number): Promise<GroupHead | 'busy'>;

  /**
   * The alerts of message `ref.seq`, oldest first. With `assign`, every pending incident of the
   * group is first assigned to it (one conditional write each, refused for a resolved one).
   */
  collect(ref: MessageRef, options: { readonly assign: boolean }): Promise<readonly Alert[]>;

  /** Records message `ref.seq` as the group's latest, opened at `at`, not yet closed. */
  open(ref: MessageRef, at: Date): Promise<void>;

  /** Closes message `ref.seq` and releases the flush lease. */
  close(ref: MessageRef): Promise<void>;

  /** Releases the flush lease when there was nothing to send. */
  endFlush(groupKey: string): Promise<void>;

  /**
   * Claims message `ref` for `channel` until `now + leaseMs`, inside one conditional write:
   * granted when nobody claimed it, or when the last claim's lease ended without it being
   * marked sent. Creates the ledger item when missing (a CloudWatch alarm has no group).
   */
  claim(ref: MessageRef, channel: AlertChannel, now: Date, leaseMs: number): Promise<ChannelClaim>;

  /** Marks message `ref` sent on `channel`, if `token` still holds the claim. */
  markSent(ref: MessageRef, channel: AlertChannel, token: string, at: Date): Promise<void>;

  /**
   * Marks resolved, by event `by.eventId`, every unresolved incident of `integrationId` in group
   * `groupKey`. Returns the alerts of those that had been reported, including ones this same
   * event resolved before (a retry after a crash finds them again); never those resolved by
   * another event.
   */
  resolve(
    groupKey: string,
    integrationId: string,
    by: { readonly eventId: string; readonly at: Date },
  ): Promise<readonly Alert[]>;
}

/**
 * A channel's pace, shared by every container that sends on it (Slack about 1 message/s per
 * webhook, SNS email about 10 per second per subscription).
 */
export interface PaceGate {
  /**
   * Takes the next sending slot if it is free at `now`, holding it for `intervalMs`; otherwise
   * says when (epoch ms) the current holder's slot ends.
   */
  claim(
    now: Date,
    intervalMs: number,
  ): Promise<{ readonly granted: true } | { readonly granted: false; readonly nextPostAt: number }>;
  /** Nobody sends before `until` (the channel answered 429 with a `Retry-After`). */
  deferUntil(until: Date): Promise<void>;
}
