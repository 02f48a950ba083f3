import * as v from 'valibot';
import { EVENT_TYPES } from '../core/events.ts';
import type { HappyColisApi, Webhook } from './client.ts';
import { HappyColisError } from './client.ts';

/**
 * The receiver's webhook subscriptions at HappyColis: one per lifecycle event type, pointing at
 * the stage's webhook URL. Each one created is recorded (never a header's value: a custom
 * header usually carries a token), so subscribing again creates nothing new. HappyColis has no
 * query listing subscriptions: these records are the only list there is.
 */

/** The event types subscribed to: every lifecycle event. */
export const SUBSCRIBED_TYPES = Object.values(EVENT_TYPES);

/** A claim older than this is from a run that died between claiming and creating. */
export const STALE_CLAIM_MS = 2 * 60_000;

export const SubscriptionSchema = v.object({
  type: v.string(),
  endpoint: v.string(),
  organizationId: v.string(),
  /** Names of the custom headers sent with every delivery; their values are not kept. */
  headerNames: v.array(v.string()),
  /** HappyColis's id and the queue health it answered; absent while being created. */
  id: v.optional(v.string()),
  health: v.optional(v.string()),
  createdAt: v.optional(v.string()),
  claimedAt: v.string(),
});
export type Subscription = v.InferOutput<typeof SubscriptionSchema>;

export interface SubscriptionStore {
  /**
   * Claims the creation of the subscription of `type` to `endpoint`, unless it exists (or a
   * recent claim is in progress): resolves to `claimed`, or the existing record.
   */
  claim(record: Subscription, staleBefore: string): Promise<'claimed' | Subscription>;
  /** Records what HappyColis answered for a claimed subscription. */
  complete(record: Subscription): Promise<void>;
  /** Drops a claim or a record. */
  remove(type: string, endpoint: string): Promise<void>;
  list(): Promise<Subscription[]>;
}

export interface SubscribeResult {
  readonly endpoint: string;
  readonly created: readonly Subscription[];
  readonly existing: readonly Subscription[];
  readonly failed: readonly { readonly type: string; readonly reason: string }[];
  /** Subscriptions recorded to other endpoints: HappyColis delivers there too. */
  readonly elsewhere: readonly Subscription[];
}

export interface UnsubscribeResult {
  readonly removed: readonly Subscription[];
  /** Recorded, but HappyColis no longer had them: the records are dropped. */
  readonly missing: readonly Subscription[];
  readonly failed: readonly { readonly subscription: Subscription; readonly reason: string }[];
}

const reasonOf = (error: unknown): string =>
  error instanceof HappyColisError ? error.message : 'unexpected error (see the log)';

export const createSubscriptions = (deps: {
  readonly api: Pick<HappyColisApi, 'createWebhook' | 'removeWebhook'>;
  readonly store: SubscriptionStore;
  readonly clock: () => Date;
  readonly onError?: (error: unknown) => void;
}) => ({
  subscribe: async (input: {
    readonly endpoint: string;
    readonly organizationId: string;
    readonly headers: Readonly<Record<string, string>>;
  }): Promise<SubscribeResult> => {
    const created: Subscription[] = [];
    const existing: Subscription[] = [];
    const failed: { type: string; reason: string }[] = [];
    const now = deps.clock();
    const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
    for (const type of SUBSCRIBED_TYPES) {
      const claim: Subscription = {
        type,
        endpoint: input.endpoint,
        organizationId: input.organizationId,
        headerNames: Object.keys(input.headers).sort(),
        claimedAt: now.toISOString(),
      };
      const claimed = await deps.store.claim(claim, staleBefore);
      if (claimed !== 'claimed') {
        if (claimed.id) existing.push(claimed);
        else
          failed.push({ type, reason: `being created by another run since ${claimed.claimedAt}` });
        continue;
      }
      let webhook: Webhook;
      try {
        webhook = await deps.api.createWebhook(input.organizationId, {
          endPoint: input.endpoint,
          type,
          ...(Object.keys(input.headers).length > 0 ? { headers: input.headers } : {}),
        });
      } catch (error) {
        deps.onError?.(error);
        await deps.store.remove(type, input.endpoint);
        failed.push({ type, reason: reasonOf(error) });
        continue;
      }
      const record: Subscription = {
        ...claim,
        id: webhook.id,
        health: webhook.health,
        createdAt: deps.clock().toISOString(),
      };
      await deps.store.complete(record);
      created.push(record);
    }
    const elsewhere = (await deps.store.list()).filter(
      (subscription) => subscription.endpoint !== input.endpoint && subscription.id,
    );
    return { endpoint: input.endpoint, created, existing, failed, elsewhere };
  },

  /** Removes the recorded subscriptions (those to `endpoint` only, when given). */
  unsubscribe: async (input: { readonly endpoint?: string }): Promise<UnsubscribeResult> => {
    const removed: Subscription[] = [];
    const missing: Subscription[] = [];
    const failed: { subscription: Subscription; reason: string }[] = [];
    const all = await deps.store.list();
    for (const subscription of all) {
      if (input.endpoint !== undefined && subscription.endpoint !== input.endpoint) continue;
      if (!subscription.id) continue;
      try {
        const outcome = await deps.api.removeWebhook(subscription.organizationId, subscription.id);
        await deps.store.remove(subscription.type, subscription.endpoint);
        (outcome === 'removed' ? removed : missing).push(subscription);
      } catch (error) {
        deps.onError?.(error);
        failed.push({ subscription, reason: reasonOf(error) });
      }
    }
    return { removed, missing, failed };
  },
});
