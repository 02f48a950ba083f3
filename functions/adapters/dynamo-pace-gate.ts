import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertChannel, PaceGate } from '../core/ports.ts';
import { paceKey, type TableKey } from '../definitions/table-keys.ts';
import {
  conditionally,
  conditionallyWithCurrent,
  RETURN_ITEM_ON_REFUSAL,
} from './conditional-write.ts';

/**
 * One alert channel's pace (Slack about 1 message/s, SNS email about 10/s), held across every
 * container that sends on it, in the integrations table: one item per channel (`paceKey`) whose
 * `nextPostAt` attribute holds epoch ms.
 *
 * A container may send once it has moved `nextPostAt` forward by a conditional update that only
 * succeeds while `nextPostAt` is not in the future, so two containers cannot both win the same
 * slot. A refused claim returns the slot's time, for the loser to sleep until then and try
 * again. A `429` pushes the slot to its `Retry-After` for everybody. A few writes per message on
 * one item: messages are grouped and rare, so the hot key costs nothing that matters.
 */
export class DynamoPaceGate implements PaceGate {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #key: TableKey;

  constructor(options: {
    client: DynamoDBDocumentClient;
    tableName: string;
    /** Whose pace this is; each channel has its own slot. */
    channel: AlertChannel;
  }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#key = paceKey(options.channel);
  }

  async claim(
    now: Date,
    intervalMs: number,
  ): Promise<
    { readonly granted: true } | { readonly granted: false; readonly nextPostAt: number }
  > {
    const at = now.getTime();
    const claim = await conditionallyWithCurrent(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: this.#key,
          UpdateExpression: 'SET nextPostAt = :next',
          ConditionExpression: 'attribute_not_exists(nextPostAt) OR nextPostAt <= :now',
          ExpressionAttributeValues: { ':next': at + intervalMs, ':now': at },
          ...RETURN_ITEM_ON_REFUSAL,
        }),
      ),
    );
    if (claim.written) return { granted: true };
    // AWS returns the slot that refused the claim; dynalite does not, so it is read.
    const held = claim.current?.nextPostAt;
    return {
      granted: false,
      nextPostAt: typeof held === 'number' ? held : await this.#nextPostAt(at + intervalMs),
    };
  }

  async deferUntil(until: Date): Promise<void> {
    const at = until.getTime();
    // Only ever forward: a shorter Retry-After seen later must not shorten a longer one.
    await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: this.#key,
          UpdateExpression: 'SET nextPostAt = :until',
          ConditionExpression: 'attribute_not_exists(nextPostAt) OR nextPostAt < :until',
          ExpressionAttributeValues: { ':until': at },
        }),
      ),
    );
  }

  /** The slot's time; `fallback` when the item vanished between the claim and this read. */
  async #nextPostAt(fallback: number): Promise<number> {
    const result = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: this.#key,
        ConsistentRead: true,
        ProjectionExpression: 'nextPostAt',
      }),
    );
    const value = result.Item?.nextPostAt;
    return typeof value === 'number' ? value : fallback;
  }
}
