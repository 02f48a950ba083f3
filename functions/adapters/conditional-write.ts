import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

const isConditionFailure = (error: unknown): boolean =>
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
