import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { IntegrationEvent } from '../core/events.ts';
import { listViewOf, recordListKey, shardKey } from '../core/fleet.ts';
import {
  ATTEMPT_ENDING_STEPS,
  INTEGRATION_STATES,
  LIFECYCLE_STEPS,
  type LifecycleStep,
} from '../core/lifecycle.ts';
import type {
  HistoryEntry,
  IntegrationStore,
  NoticeRecord,
  QuarantineRecord,
  RecordRef,
  RecordTiming,
  StoredIntegration,
} from '../core/ports.ts';
import {
  conditionFor,
  conditionHolds,
  eventIdentity,
  type Register,
  type Registers,
  tokenChange,
  toRegister,
} from '../core/state.ts';
import { FLEET_INDEXES } from '../definitions/resources.ts';
import { isSmokeTestIntegration } from '../definitions/smoke-test.ts';
import {
  EVENT_SK_PREFIX,
  historyKey,
  integrationIdOf,
  integrationKey,
  noticeKey,
  quarantineKey,
  RECORD_LIST_PARTITION,
  STATE_SK,
  type TableKey,
} from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';

import { putOnce } from './put-once.ts';

// One table holds everything; its key layout is in `definitions/table-keys.ts`.

const keyOf = (ref: RecordRef): TableKey => {
  switch (ref.kind) {
    case 'event':
      return historyKey(ref.integrationId, ref.eventId);
    case 'quarantine':
      return quarantineKey(ref.id);
    case 'notice':
      return noticeKey(ref.id);
  }
};

/** Reads and writes in a row that another event may interleave with, before giving up. */
const MAX_APPLY_ATTEMPTS = 5;

// Condition fragments, named after the core's rule they enforce (see `conditionFor`).
const NEWER_THAN_OWN_STEP = '(attribute_not_exists(#step) OR #step.#key < :key)';
const NOT_REJECTED = ATTEMPT_ENDING_STEPS.map((_, i) => `attribute_not_exists(#end${i})`);

/**
 * A register as stored. It keeps what cannot be derived: the ordering key (which holds the
 * event's date and messageId) and the state. The organization, location, service, webhookId
 * and scopes are stored only when they differ from the item's own top-level values (those of
 * the latest event written), which are the same for nearly every event of an integration;
 * this keeps the item under 1 KB, one write unit, with every register. Registers written
 * in full by earlier versions read the same.
 */
const RegisterSchema = v.object({
  key: v.string(),
  date: v.optional(v.string()),
  messageId: v.optional(v.string()),
  webhookId: v.optional(v.string()),
  organizationId: v.optional(v.string()),
  locationId: v.optional(v.string()),
  fulfillmentServiceId: v.optional(v.string()),
  scopes: v.optional(v.array(v.string())),
  state: v.picklist(INTEGRATION_STATES),
});
type StoredRegister = v.InferOutput<typeof RegisterSchema>;

/** One optional register per lifecycle step, each stored under its step's name. */
const RegisterFields = Object.fromEntries(
  LIFECYCLE_STEPS.map((step) => [step, v.optional(RegisterSchema)]),
) as Record<LifecycleStep, v.OptionalSchema<typeof RegisterSchema, undefined>>;

const IntegrationItemSchema = v.object({
  pk: v.string(),
  organizationId: v.optional(v.string()),
  locationId: v.optional(v.string()),
  fulfillmentServiceId: v.optional(v.string()),
  webhookId: v.optional(v.string()),
  scopes: v.optional(v.array(v.string())),
  ...RegisterFields,
  accessToken: v.optional(v.string()),
});

/** What every register shares with the item's top level unless it says otherwise. */
interface Owner {
  readonly organizationId: string;
  readonly locationId: string;
  readonly fulfillmentServiceId: string;
  readonly webhookId: string;
  readonly scopes: readonly string[];
}
const OWNER_FIELDS = [
  'organizationId',
  'locationId',
  'fulfillmentServiceId',
  'webhookId',
  'scopes',
] as const;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The date and messageId held in an ordering key `<date>#<rank>#<messageId>`. */
const fromKey = (key: string) => {
  const first = key.indexOf('#');
  const second = key.indexOf('#', first + 1);
  return { date: key.slice(0, first), messageId: key.slice(second + 1) };
};

/** A stored register, whole again. */
const expand = (stored: StoredRegister, owner: Partial<Owner>): Register => {
  const derived = fromKey(stored.key);
  const field = <K extends (typeof OWNER_FIELDS)[number]>(name: K): Owner[K] => {
    const value = stored[name] ?? owner[name];
    if (value === undefined) throw new Error(`register ${stored.key} has no ${name}`);
    return value;
  };
  return {
    key: stored.key,
    date: stored.date ?? derived.date,
    messageId: stored.messageId ?? derived.messageId,
    webhookId: field('webhookId'),
    organizationId: field('organizationId'),
    locationId: field('locationId'),
    fulfillmentServiceId: field('fulfillmentServiceId'),
    scopes: [...field('scopes')],
    state: stored.state,
  };
};

/** A register as it is stored under an item whose top-level owner ids are `owner`. */
const compact = (register: Register, owner: Owner): StoredRegister => ({
  key: register.key,
  state: register.state,
  ...Object.fromEntries(
    OWNER_FIELDS.filter((name) => !same(register[name], owner[name])).map((name) => [
      name,
      register[name],
    ]),
  ),
});

const HistoryItemSchema = v.object({
  type: v.string(),
  date: v.string(),
  messageId: v.string(),
  webhookId: v.string(),
  receivedAt: v.string(),
  key: v.optional(v.string()),
  state: v.optional(v.picklist(INTEGRATION_STATES)),
  digest: v.optional(v.string()),
});

const toStored = (item: Record<string, unknown>): StoredIntegration => {
  const parsed = v.parse(IntegrationItemSchema, item);
  const registers: { -readonly [K in keyof Registers]: Register } = {};
  for (const step of LIFECYCLE_STEPS) {
    const register = parsed[step];
    if (register) registers[step] = expand(register, parsed);
  }
  return {
    id: integrationIdOf(parsed.pk),
    registers,
    hasAccessToken: parsed.accessToken !== undefined,
  };
};

const toHistoryEntry = (item: Record<string, unknown>): HistoryEntry => {
  const { key, state, digest, ...rest } = v.parse(HistoryItemSchema, item);
  return {
    ...rest,
    ...(key === undefined ? {} : { key }),
    ...(state === undefined ? {} : { state }),
    ...(digest === undefined ? {} : { digest }),
  };
};

export class DynamoIntegrationStore implements IntegrationStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async recordEvent(
    integrationId: string,
    entry: HistoryEntry,
    { recordedAt, expiresAt }: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    const key = keyOf({ kind: 'event', integrationId, eventId: eventIdentity(entry) });
    return putOnce(this.#client, this.#tableName, {
      ...key,
      ...entry,
      recordedAt,
      expiresAt,
    });
  }

  /**
   * Reads the item, decides with the core's rule, then writes the
   * register and the list view in one conditional update. The condition is the core's rule
   * (`conditionFor`) plus "the other registers are still those read", so the view written is
   * exactly the one the registers give; if another event got in between, it reads again.
   * Registers only move forward, so an event the rule refuses on the read would be refused
   * by the write too: duplicates and older events cost a read, not a write.
   */
  async applyEvent(event: IntegrationEvent, at: Date): Promise<StoredIntegration | undefined> {
    for (let attempt = 1; ; attempt++) {
      // The first read may be eventually consistent (half the price): registers only move
      // forward, so an older copy can only make the rule hold where it no longer does, which
      // the conditional write then refuses, and the next attempt reads consistently.
      const read = await this.#client.send(
        new GetCommand({
          TableName: this.#tableName,
          Key: integrationKey(event.body.id),
          ConsistentRead: attempt > 1,
        }),
      );
      const before = read.Item ? toStored(read.Item) : undefined;
      const condition = conditionFor(event);
      if (!conditionHolds(condition, before?.registers ?? {})) return undefined;
      const written = await this.#write(event, at, before, read.Item ?? {});
      if (written) return written;
      if (attempt >= MAX_APPLY_ATTEMPTS) {
        throw new Error(
          `integration ${event.body.id} changed under ${MAX_APPLY_ATTEMPTS} attempts in a row; retrying later`,
        );
      }
    }
  }

  async #write(
    event: IntegrationEvent,
    at: Date,
    before: StoredIntegration | undefined,
    item: Readonly<Record<string, unknown>>,
  ): Promise<StoredIntegration | undefined> {
    const condition = conditionFor(event);
    const set = [
      '#step = :register',
      'organizationId = :organizationId',
      'locationId = :locationId',
      'fulfillmentServiceId = :fulfillmentServiceId',
      'webhookId = :webhookId',
      'scopes = :scopes',
      'updatedAt = :now',
    ];
    const remove: string[] = [];
    const owner: Owner = {
      organizationId: event.header.organizationId,
      locationId: event.body.locationId,
      fulfillmentServiceId: event.body.fulfillmentServiceId,
      webhookId: event.header.webhookId,
      scopes: event.body.scopes,
    };
    const values: Record<string, unknown> = {
      ':register': compact(toRegister(event), owner),
      ':key': condition.key,
      ':organizationId': event.header.organizationId,
      ':locationId': event.body.locationId,
      ':fulfillmentServiceId': event.body.fulfillmentServiceId,
      ':webhookId': event.header.webhookId,
      ':scopes': event.body.scopes,
      ':now': at.toISOString(),
    };
    const token = tokenChange(event);
    if (token.kind === 'set') {
      set.push('accessToken = :token');
      values[':token'] = token.token;
    } else if (token.kind === 'clear') {
      remove.push('accessToken');
    }
    const names: Record<string, string> = { '#step': event.step, '#key': 'key' };
    // The list view, set only when it changes, so the list indexes are written only then. The
    // stuck-PENDING check reads the `by-state` index's PENDING partitions too, so a `created`
    // event writes no index of its own.
    const registers = { ...before?.registers, [event.step]: toRegister(event) };
    const view = listViewOf(event.body.id, registers);
    // The smoke test's integration never enters the `by-state` index: no list shows it.
    const listed = !isSmokeTestIntegration(event.body.id);
    if (view && (item.state !== view.state || (listed && item.listKey !== view.listKey))) {
      set.push('#state = :state');
      names['#state'] = 'state';
      values[':state'] = view.state;
      if (listed) {
        const { byState } = FLEET_INDEXES;
        set.push(`${byState.partitionKey} = :stateShard`, `${byState.sortKey} = :listKey`);
        values[':stateShard'] = view.stateShard;
        values[':listKey'] = view.listKey;
      }
    }
    const conditions = [NEWER_THAN_OWN_STEP];
    if (condition.beforeRejection) {
      conditions.push(...NOT_REJECTED);
      for (const [index, step] of ATTEMPT_ENDING_STEPS.entries()) names[`#end${index}`] = step;
    }
    // A register that leaves its owner ids to the top level must keep them when this event
    // changes the top level (an integration whose ids changed: rare): it is stored whole.
    for (const [index, step] of LIFECYCLE_STEPS.entries()) {
      const register = before?.registers[step];
      if (step === event.step || !register) continue;
      const stored = item[step] as Record<string, unknown> | undefined;
      if (
        OWNER_FIELDS.some(
          (name) => stored?.[name] === undefined && !same(register[name], owner[name]),
        )
      ) {
        names[`#o${index}`] = step;
        values[`:o${index}`] = compact(register, owner);
        set.push(`#o${index} = :o${index}`);
      }
    }
    // The registers the view was derived from must still be those read.
    for (const [index, step] of LIFECYCLE_STEPS.entries()) {
      if (step === event.step) continue;
      // Covered by `NOT_REJECTED`.
      if (condition.beforeRejection && ATTEMPT_ENDING_STEPS.includes(step)) continue;
      names[`#r${index}`] = step;
      const register = before?.registers[step];
      if (register) {
        values[`:r${index}`] = register.key;
        conditions.push(`#r${index}.#key = :r${index}`);
      } else {
        conditions.push(`attribute_not_exists(#r${index})`);
      }
    }
    let attributes: Record<string, unknown> | undefined;
    const applied = await conditionally(async () => {
      const result = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: integrationKey(event.body.id),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = result.Attributes;
    });
    return applied && attributes ? toStored(attributes) : undefined;
  }

  async getIntegration(id: string): Promise<StoredIntegration | undefined> {
    const result = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: integrationKey(id), ConsistentRead: true }),
    );
    return result.Item ? toStored(result.Item) : undefined;
  }

  async getIntegrationWithHistory(
    id: string,
  ): Promise<{ integration?: StoredIntegration; history: HistoryEntry[] }> {
    const { pk } = integrationKey(id);
    const history: HistoryEntry[] = [];
    let integration: StoredIntegration | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === STATE_SK) integration = toStored(item);
        else if (typeof item.sk === 'string' && item.sk.startsWith(EVENT_SK_PREFIX)) {
          history.push(toHistoryEntry(item));
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return integration ? { integration, history } : { history };
  }

  recordQuarantine(
    ref: Extract<RecordRef, { kind: 'quarantine' }>,
    record: QuarantineRecord,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    return this.#recordOwingAlert(ref, record, timing);
  }

  recordNotice(
    ref: Extract<RecordRef, { kind: 'notice' }>,
    record: NoticeRecord,
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    return this.#recordOwingAlert(ref, record, timing);
  }

  #recordOwingAlert(
    ref: Extract<RecordRef, { kind: 'quarantine' | 'notice' }>,
    record: { readonly receivedAt: string },
    timing: RecordTiming,
  ): Promise<'recorded' | 'exists'> {
    const { records } = FLEET_INDEXES;
    return putOnce(this.#client, this.#tableName, {
      ...keyOf(ref),
      ...record,
      // Written once, so the sparse `records` index costs one write per record, ever.
      [records.partitionKey]: shardKey(RECORD_LIST_PARTITION[ref.kind], ref.id, records.shards),
      [records.sortKey]: recordListKey(record.receivedAt, ref.id),
      ...timing,
    });
  }
}
