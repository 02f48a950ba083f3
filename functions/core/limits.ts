import { LIFECYCLE_STEPS } from './lifecycle.ts';

/**
 * The limits of the services an accepted event must pass through, in one place. The ingest
 * decides from these, before it answers `200`, whether the processor can store the event and
 * alert on it; alert rendering truncates to them. Sizes are UTF-8 bytes unless said otherwise.
 * Pure: no AWS import, so the core, the adapters and the tests share them.
 */

/** SQS `SendMessage`: the whole message body, in bytes. */
export const SQS_MESSAGE_MAX_BYTES = 1_048_576;

/**
 * Characters SQS accepts in a message body (the XML 1.0 `Char` production):
 * #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF. A lone surrogate is none
 * of these. The local emulator (fauxqs) also refuses everything above #xFFFF, which real SQS
 * accepts; the queue encoding escapes every non-ASCII character, so both take any payload.
 */
export const SQS_FORBIDDEN_CHARACTER = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** DynamoDB: an item, attribute names plus values. 400 KB = 409,600 bytes. */
export const DYNAMODB_ITEM_MAX_BYTES = 409_600;
/** DynamoDB: a partition key value. dynalite counts characters; DynamoDB counts bytes. */
export const DYNAMODB_PARTITION_KEY_MAX_BYTES = 2048;
/** DynamoDB: a sort key value, in bytes. */
export const DYNAMODB_SORT_KEY_MAX_BYTES = 1024;

/** What the integration item holds besides registers, copies and token: keys, timestamps. */
const INTEGRATION_ITEM_RESERVE_BYTES = 16_384;

/**
 * What one lifecycle event may add to its integration item: its register, the top-level
 * copies of its ids and its token. The item holds one register per lifecycle step, one set of
 * copies and one token, so that many shares plus the reserve stay under
 * {@link DYNAMODB_ITEM_MAX_BYTES} whatever the order and mix of events.
 */
export const EVENT_ITEM_SHARE_MAX_BYTES = Math.floor(
  (DYNAMODB_ITEM_MAX_BYTES - INTEGRATION_ITEM_RESERVE_BYTES) / (LIFECYCLE_STEPS.length + 2),
);

/**
 * A quarantined payload is kept whole up to this many bytes (tokens redacted); beyond it, an
 * excerpt of {@link QUARANTINE_EXCERPT_BYTES} plus a SHA-256 digest and the full length.
 * Both leave room in the quarantine item for the errors and the bookkeeping.
 */
export const QUARANTINE_PAYLOAD_MAX_BYTES = 300_000;
export const QUARANTINE_EXCERPT_BYTES = 65_536;
/** Validation errors kept per payload, and the length of each message and path. */
export const QUARANTINE_MAX_ERRORS = 20;
export const ERROR_TEXT_MAX_CHARS = 300;

/** SNS `Publish`: message plus attributes, in bytes (256 KB). */
export const SNS_MESSAGE_MAX_BYTES = 262_144;
/** SNS email subjects: under 100 characters, one line. */
export const SNS_SUBJECT_MAX_CHARS = 99;

/** Slack Block Kit: blocks per message and characters per text object / section. */
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_TEXT_MAX_CHARS = 3000;
export const SLACK_HEADER_MAX_CHARS = 150;
export const SLACK_FIELD_MAX_CHARS = 2000;

/**
 * Every value an alert quotes (ids, types, messages from senders) is cut to this many
 * characters, and every list it carries is capped, so that an alert always fits
 * {@link SNS_MESSAGE_MAX_BYTES} three times over (SNS carries a plain-text and a JSON copy).
 */
export const ALERT_QUOTE_MAX_CHARS = 256;
export const ALERT_TEXT_MAX_CHARS = 1500;
export const ALERT_MAX_FACTS = 20;
export const ALERT_MAX_ACTIONS = 10;
export const ALERT_MAX_HISTORY = 5;
/** Longer incident keys are replaced by a digest, so the notifier's ledger key fits too. */
export const ALERT_INCIDENT_KEY_MAX_BYTES = 512;

/** Event dates: the years an ordering key can hold with its fixed width. */
export const EVENT_YEAR_MIN = 1;
export const EVENT_YEAR_MAX = 9999;

/**
 * JSON nesting deeper than this is quarantined: recursive walkers (`JSON.stringify`,
 * validators) would exhaust the stack long before a real payload gets near it.
 */
export const JSON_MAX_DEPTH = 64;

const utf8 = new TextEncoder();

/** Length of a string in UTF-8 bytes, as AWS counts it. */
export const utf8Bytes = (text: string): number =>
  // Buffer.byteLength counts a lone surrogate as 3 bytes, like the U+FFFD it becomes.
  typeof Buffer === 'undefined' ? utf8.encode(text).length : Buffer.byteLength(text, 'utf8');

/**
 * Size of a DynamoDB attribute value by AWS's rules: strings in UTF-8 bytes, numbers up to
 * 21 bytes, booleans and null 1 byte, lists and maps 3 bytes plus 1 per element plus their
 * contents (and the names, for maps). An upper bound, good for deciding before writing.
 */
export const dynamoValueBytes = (value: unknown): number => {
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') return 21;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (Array.isArray(value)) {
    return value.reduce<number>((sum, element) => sum + 1 + dynamoValueBytes(element), 3);
  }
  if (typeof value === 'object') {
    return Object.entries(value).reduce<number>(
      (sum, [name, element]) => sum + 1 + utf8Bytes(name) + dynamoValueBytes(element),
      3,
    );
  }
  return 0;
};

/** Size of a DynamoDB item: attribute names plus values. */
export const dynamoItemBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce(
    (sum, [name, value]) => sum + utf8Bytes(name) + dynamoValueBytes(value),
    0,
  );

/** Cuts `text` to at most `maxChars` UTF-16 units without splitting a surrogate pair. */
export const truncateChars = (text: string, maxChars: number): string => {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
};

/** The longest prefix of `text` that fits `maxBytes` UTF-8 bytes, never splitting a character. */
export const truncateBytes = (text: string, maxBytes: number): string => {
  if (utf8Bytes(text) <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8').subarray(0, maxBytes);
  // A cut inside a multi-byte sequence decodes to U+FFFD: drop that tail.
  return bytes.toString('utf8').replace(/\ufffd+$/u, '');
};

/**
 * `JSON.stringify` with every non-ASCII UTF-16 unit written as a `\uXXXX` escape: plain
 * ASCII that SQS, SNS and their emulators all accept, whatever the strings held (U+FFFE,
 * emoji, lone surrogates), and that `JSON.parse` restores exactly. Costs at most 3× the UTF-8
 * size of the text it touches.
 */
export const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
