import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SLACK_PACE_KEY } from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';

/**
 * Slack's one message per second, held across every notifier container, in the integrations
 * table: one item (`SLACK_PACE_KEY`) whose `nextPostAt` attribute holds epoch ms.
 *
 * A container may post once it has moved `nextPostAt` forward by a conditional update that only
 * succeeds while `nextPostAt` is not in the future; two containers cannot both win the same
 * slot. A refused claim returns the slot's time, so the loser sleeps until then and tries again.
 * A Slack `429` pushes the slot to its `Retry-After` for everybody. One item, a few writes per
 * alert: alerts are rare, so the hot key costs nothing that matters.
 */

const GATE_KEY = SLACK_PACE_KEY;

/** The slot was ours, or another container holds it until `nextPostAt` (epoch ms). */
export type PaceClaim =
  | { readonly granted: true }
  | { readonly granted: false; readonly nextPostAt: number };

/** The notifier's `SlackPaceGate` over DynamoDB (the port lives with the notifier). */
export class DynamoSlackPaceGate {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async claim(now: Date, intervalMs: number): Promise<PaceClaim> {
    const at = now.getTime();
    const won = await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: GATE_KEY,
          UpdateExpression: 'SET nextPostAt = :next',
          ConditionExpression: 'attribute_not_exists(nextPostAt) OR nextPostAt <= :now',
          ExpressionAttributeValues: { ':next': at + intervalMs, ':now': at },
        }),
      ),
    );
    if (won) return { granted: true };
    return { granted: false, nextPostAt: await this.#nextPostAt(at + intervalMs) };
  }

  async deferUntil(until: Date): Promise<void> {
    const at = until.getTime();
    // Only ever forward: a shorter Retry-After seen later must not shorten a longer one.
    await conditionally(() =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: GATE_KEY,
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
        Key: GATE_KEY,
        ConsistentRead: true,
        ProjectionExpression: 'nextPostAt',
      }),
    );
    const value = result.Item?.nextPostAt;
    return typeof value === 'number' ? value : fallback;
  }
}
