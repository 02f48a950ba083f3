import { ReceiverError } from '../../functions/core/errors.ts';
import type { HistoryEntry, RecordTiming } from '../../functions/core/ports.ts';
import type { Registers } from '../../functions/core/state.ts';

/** The integration item as the twins keep it: what the DynamoDB item holds that matters. */
export interface TwinIntegrationItem {
  readonly registers: Registers;
  /** The only place a token is kept, as on the DynamoDB item. */
  readonly accessToken?: string;
}

/** A record written once (history event, quarantine, notice). */
interface OnceRecord {
  readonly recordedAt: string;
  readonly content: unknown;
}

/** Thrown where DynamoDB's `attribute_exists(pk)` condition would refuse a write. */
export class MissingRecordError extends ReceiverError {
  constructor(key: string) {
    super(`no record ${key}`);
  }
}

/**
 * The one table the twins share, as the adapters share one DynamoDB table: the pending store
 * reads the integrations the integration store writes.
 */
export class TwinTable {
  readonly items = new Map<string, TwinIntegrationItem>();
  /** History per integration, by event identity. */
  readonly history = new Map<string, Map<string, HistoryEntry>>();
  readonly #records = new Map<string, OnceRecord>();

  /** Puts a record unless one with its key exists, as `attribute_not_exists(pk)` does. */
  putOnce(key: string, content: unknown, timing: RecordTiming): 'recorded' | 'exists' {
    if (this.#records.has(key)) return 'exists';
    this.#records.set(key, {
      recordedAt: timing.recordedAt,
      content: structuredClone(content),
    });
    return 'recorded';
  }

  /** Every record whose key starts with `prefix`, with its key (copies). */
  records(prefix: string): { readonly key: string; readonly content: unknown }[] {
    return [...this.#records]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, record]) => ({ key, content: structuredClone(record.content) }));
  }

  /** Replaces a record's content, keeping when it was recorded, as an `UpdateItem` would. */
  updateRecord(key: string, content: unknown): void {
    const record = this.#records.get(key);
    if (!record) throw new MissingRecordError(key);
    this.#records.set(key, { ...record, content: structuredClone(content) });
  }

  /** The stored content of a record (a copy), for tests that inspect what was kept. */
  record(key: string): unknown {
    return structuredClone(this.#records.get(key)?.content);
  }
}
