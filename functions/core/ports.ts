import type { Alert } from './alerts.ts';
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
  send(message: QueueMessage): Promise<{ readonly queueMessageId: string }>;
}

/** Publishes an alert to whoever subscribes (email, Slack). */
export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
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
 * Something recorded once, that may owe an alert. The identity is semantic: redelivery and
 * resend under a new `messageId` land on the same record.
 */
export type RecordRef =
  | { readonly kind: 'event'; readonly integrationId: string; readonly eventId: string }
  | { readonly kind: 'quarantine'; readonly id: string }
  | { readonly kind: 'notice'; readonly id: string };

/** Whether an alert tied to a record is still owed, and since when the record exists. */
export type AlertStatus =
  | { readonly status: 'owed'; readonly recordedAt: string }
  | { readonly status: 'sent' | 'none' };

/** When and until when a record is kept. */
export interface RecordTiming {
  /** When the processor wrote it; an owed alert older than a processor run was abandoned. */
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
   * type and date) is there already. `owesAlert` marks the record as owing an alert.
   */
  recordEvent(
    integrationId: string,
    entry: HistoryEntry,
    options: RecordTiming & { readonly owesAlert: boolean },
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

  alertStatus(ref: RecordRef): Promise<AlertStatus>;
  markAlertSent(ref: RecordRef, at: Date): Promise<void>;
}

/**
 * What the Slack notifier remembers of the incidents it posted, so a redelivered or
 * re-published alert is not posted twice. Keyed by the alert's `incidentKey`.
 */
export interface SlackPostLedger {
  wasPosted(incidentKey: string): Promise<boolean>;
  /** Records a successful post; `exists` when an earlier post was recorded already. */
  markPosted(incidentKey: string, at: Date): Promise<'marked' | 'exists'>;
}

/** An integration in the sparse `pending` index: it entered PENDING at `pendingSince`. */
export interface PendingEntry {
  readonly integrationId: string;
  /** `header.date` of the `created` event that put it there. */
  readonly pendingSince: string;
}

/** The stuck-PENDING alert of one integration for one `created` event. */
export interface StuckPendingRef {
  readonly integrationId: string;
  /** `eventIdentity` of the `created` event. */
  readonly createdEventId: string;
}

/** What the stuck-PENDING check reads and writes besides the integration itself. */
export interface PendingStore {
  /** Every index entry that entered PENDING strictly before `cutoff` (ISO), oldest first. */
  listPendingBefore(cutoff: string): AsyncIterable<PendingEntry>;
  /** Takes the entry out of the index, unless a newer `created` event moved `pendingSince`. */
  clearPending(entry: PendingEntry): Promise<'cleared' | 'changed'>;
  /** Records that the alert is owed, once; later attempts find it `exists`. */
  recordStuckAlert(ref: StuckPendingRef, timing: RecordTiming): Promise<'recorded' | 'exists'>;
  stuckAlertStatus(ref: StuckPendingRef): Promise<AlertStatus>;
  markStuckAlertSent(ref: StuckPendingRef, at: Date): Promise<void>;
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
