import { EVENT_SK_PREFIX, historyKey, INTEGRATION_PK_PREFIX } from '../definitions/table-keys.ts';
import type { ValidationError, WebhookEvent } from './events.ts';
import { integrationListKey } from './fleet.ts';
import {
  DYNAMODB_ITEM_MAX_BYTES,
  DYNAMODB_PARTITION_KEY_MAX_BYTES,
  DYNAMODB_SORT_KEY_MAX_BYTES,
  dynamoItemBytes,
  EVENT_ITEM_SHARE_MAX_BYTES,
  utf8Bytes,
} from './limits.ts';
import { eventIdentity, eventKey, toRegister } from './state.ts';

/**
 * Whether the processor will be able to store an event, decided at the ingest before it
 * answers `200`: a `200` followed by a DynamoDB refusal would only end in the DLQ. The key
 * shapes are the store's own (`definitions/table-keys.ts`). Alerts need no check here: they are bounded when built.
 */

/** Bookkeeping the store adds to a history item, at its largest. */
const HISTORY_BOOKKEEPING = {
  receivedAt: '2024-06-10T09:00:00.000Z',
  alert: 'owed',
  alertSentAt: '2024-06-10T09:00:00.000Z',
  recordedAt: '2024-06-10T09:00:00.000Z',
  expiresAt: 1_718_010_000,
};

const tooLong = (path: string, what: string, limit: number, used: number): ValidationError => ({
  path,
  message: `is ${used} UTF-8 bytes; ${what} allows at most ${limit}`,
});

/**
 * Every key of the integration item that holds its id, with the bytes left for the id in it,
 * tightest first. The indexes count: AWS refuses an item whose index key is over the limit
 * (dynalite checks neither index keys nor bytes, so only AWS's engine shows it).
 */
export const idKeyLimits = (date: string) =>
  [
    {
      what: 'the sort key of the by-state index (`<date>#<id>`)',
      idBudget: DYNAMODB_SORT_KEY_MAX_BYTES - utf8Bytes(integrationListKey(date, '')),
    },
    {
      what: 'the sort key of the by-organization and by-location indexes (`INTEGRATION#<id>`)',
      idBudget: DYNAMODB_SORT_KEY_MAX_BYTES - utf8Bytes(INTEGRATION_PK_PREFIX),
    },
    {
      what: 'the DynamoDB partition key',
      idBudget: DYNAMODB_PARTITION_KEY_MAX_BYTES - utf8Bytes(INTEGRATION_PK_PREFIX),
    },
  ].sort((a, b) => a.idBudget - b.idBudget);

/** The reasons an otherwise valid event cannot be stored; empty when it can. */
export const storageProblems = (webhook: WebhookEvent): ValidationError[] => {
  const { header, body } = webhook.event;
  const problems: ValidationError[] = [];
  const idBytes = utf8Bytes(body.id);
  const idKey = idKeyLimits(header.date).find((key) => idBytes > key.idBudget);
  if (idKey) problems.push(tooLong('body.id', idKey.what, idKey.idBudget, idBytes));
  if (webhook.kind === 'lifecycle') {
    // The by-organization and by-location indexes are keyed by these: partition key limits.
    const indexed = [
      ['header.organizationId', webhook.event.header.organizationId],
      ['body.locationId', webhook.event.body.locationId],
    ] as const;
    for (const [path, value] of indexed) {
      const bytes = utf8Bytes(value);
      if (bytes > DYNAMODB_PARTITION_KEY_MAX_BYTES) {
        problems.push(
          tooLong(path, 'a DynamoDB index partition key', DYNAMODB_PARTITION_KEY_MAX_BYTES, bytes),
        );
      }
    }
  }
  const typeBudget = DYNAMODB_SORT_KEY_MAX_BYTES - utf8Bytes(`${EVENT_SK_PREFIX}${header.date}#`);
  const typeBytes = utf8Bytes(header.type);
  if (typeBytes > typeBudget) {
    problems.push(tooLong('header.type', 'the DynamoDB sort key', typeBudget, typeBytes));
  }
  if (problems.length > 0) return problems;

  const history = {
    ...historyKey(body.id, eventIdentity(header)),
    type: header.type,
    date: header.date,
    messageId: header.messageId,
    webhookId: header.webhookId,
    ...(webhook.kind === 'lifecycle' ? { key: eventKey(webhook.event), state: 'INACTIVE' } : {}),
    ...HISTORY_BOOKKEEPING,
  };
  const historyBytes = dynamoItemBytes(history);
  if (historyBytes > DYNAMODB_ITEM_MAX_BYTES) {
    problems.push(
      tooLong('header', 'a DynamoDB history item', DYNAMODB_ITEM_MAX_BYTES, historyBytes),
    );
  }
  if (webhook.kind === 'lifecycle') {
    const event = webhook.event;
    const share =
      dynamoItemBytes({ [event.step]: toRegister(event) }) +
      dynamoItemBytes({
        organizationId: event.header.organizationId,
        locationId: event.body.locationId,
        fulfillmentServiceId: event.body.fulfillmentServiceId,
        accessToken: event.body.accessToken ?? '',
      });
    if (share > EVENT_ITEM_SHARE_MAX_BYTES) {
      problems.push(
        tooLong(
          '(root)',
          "one event's share of the DynamoDB integration item (ids, scopes and token)",
          EVENT_ITEM_SHARE_MAX_BYTES,
          share,
        ),
      );
    }
  }
  return problems;
};
