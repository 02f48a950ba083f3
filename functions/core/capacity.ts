import { EVENT_SK_PREFIX, historyKey, INTEGRATION_PK_PREFIX } from '../definitions/table-keys.ts';
import type { ValidationError, WebhookEvent } from './events.ts';
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

/** Bookkeeping the store adds to a history item (`recordEvent`), at its largest. */
const HISTORY_BOOKKEEPING = {
  receivedAt: '2024-06-10T09:00:00.000Z',
  recordedAt: '2024-06-10T09:00:00.000Z',
  expiresAt: 1_718_010_000,
};

const tooLong = (path: string, what: string, limit: number, used: number): ValidationError => ({
  path,
  message: `is ${used} UTF-8 bytes; ${what} allows at most ${limit}`,
});

/** The reasons an otherwise valid event cannot be stored; empty when it can. */
export const storageProblems = (webhook: WebhookEvent): ValidationError[] => {
  const { header, body } = webhook.event;
  const problems: ValidationError[] = [];
  const idBudget = DYNAMODB_PARTITION_KEY_MAX_BYTES - utf8Bytes(INTEGRATION_PK_PREFIX);
  const idBytes = utf8Bytes(body.id);
  if (idBytes > idBudget) {
    problems.push(tooLong('body.id', 'the DynamoDB partition key', idBudget, idBytes));
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
