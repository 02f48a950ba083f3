import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

const isConditionFailure = (error: unknown): error is Error =>
  error instanceof ConditionalCheckFailedException ||
  // Emulators and bundled SDK copies can produce an equivalent error of another class.
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * Runs a conditional write: `true` when it was written, `false` when the condition refused it.
 * Anything else is rethrown, so the caller's record is retried rather than silently dropped.
 */
export const conditionally = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};

/**
 * Asks a refused write for the item as it stood (`ReturnValuesOnConditionCheckFailure`), so a
 * caller that needs it makes no second read. Spread into a Put or Update command.
 */
export const RETURN_ITEM_ON_REFUSAL = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;

/** How a conditional write made with {@link RETURN_ITEM_ON_REFUSAL} ended. */
export type ConditionalOutcome =
  | { readonly written: true }
  | {
      readonly written: false;
      /**
       * The item the condition saw; `undefined` when there was none, or when the engine does
       * not return it (dynalite ignores the parameter): the caller then reads it.
       */
      readonly current: Record<string, unknown> | undefined;
    };

const refusedItem = (error: Error): Record<string, unknown> | undefined => {
  const item = (error as { Item?: unknown }).Item;
  if (typeof item !== 'object' || item === null || Object.keys(item).length === 0) return undefined;
  // The document client translates requests and answers, not the error's item.
  return unmarshall(item as Parameters<typeof unmarshall>[0]);
};

/** {@link conditionally}, with the refused item when the engine returns it. */
export const conditionallyWithCurrent = async (
  write: () => Promise<unknown>,
): Promise<ConditionalOutcome> => {
  try {
    await write();
    return { written: true };
  } catch (error) {
    if (isConditionFailure(error)) return { written: false, current: refusedItem(error) };
    throw error;
  }
};
