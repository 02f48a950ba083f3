import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SlackPostLedger } from '../core/ports.ts';
import { expiresAt } from '../definitions/expiry.ts';
import { slackPostedKey } from '../definitions/table-keys.ts';
import { conditionally } from './conditional-write.ts';

/**
 * The Slack notifier's memory of posted incidents, in the integrations table
 * (`slackPostedKey`).
 *
 * Written only after Slack accepted the post, so a crash before it means a re-post (at least
 * once) rather than a lost alert. Expires with `expiresAt` like the rest of the dedupe memory.
 */

/** Partition keys may hold 2 KiB; longer incident keys (none today) are hashed. */
const MAX_KEY_CHARS = 512;

const keyOf = (incidentKey: string) =>
  slackPostedKey(
    incidentKey.length <= MAX_KEY_CHARS
      ? incidentKey
      : `sha256:${createHash('sha256').update(incidentKey).digest('hex')}`,
  );

export class DynamoSlackPostLedger implements SlackPostLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #retentionDays: number;

  constructor(options: {
    client: DynamoDBDocumentClient;
    tableName: string;
    /** How long a marker is kept; must outlive every redelivery and re-publish window. */
    retentionDays: number;
  }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#retentionDays = options.retentionDays;
  }

  async wasPosted(incidentKey: string): Promise<boolean> {
    const result = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: keyOf(incidentKey),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return result.Item !== undefined;
  }

  async markPosted(incidentKey: string, at: Date): Promise<'marked' | 'exists'> {
    const written = await conditionally(() =>
      this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: {
            ...keyOf(incidentKey),
            incidentKey: incidentKey.slice(0, MAX_KEY_CHARS),
            postedAt: at.toISOString(),
            expiresAt: expiresAt(at, this.#retentionDays),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return written ? 'marked' : 'exists';
  }
}
