import {
  DYNAMODB_ITEM_MAX_BYTES,
  DYNAMODB_PARTITION_KEY_MAX_BYTES,
  DYNAMODB_SORT_KEY_MAX_BYTES,
} from './limits.ts';

/**
 * Retryable or permanent: the one answer every consumer uses. A *content refusal* is an error
 * that retrying cannot fix because what the request carried is what was refused (a message or
 * an item over a limit, a character a service or the SDK cannot carry). Every other error —
 * throttling, timeouts, 5xx, an unavailable key, a bug — is presumed retryable, so the caller
 * fails and its record is retried (then dead-lettered), never dropped.
 *
 * Errors are recognised by `name` (the SDK's exception name; the emulators use the same ones)
 * and, where one name also covers requests that are simply wrong, by their message too: a
 * DynamoDB `ValidationException` is a content refusal only for the size limits, never for a
 * malformed expression. Each reason names the service and the limit, never a value refused.
 */

/** Where the refusal came from. `sdk`: the client could not even encode the request. */
export type RefusingService = 'sqs' | 'sns' | 'dynamodb' | 'sdk';

interface Refusal {
  /** The error's name; the service's namespace prefix and an `Exception` suffix are ignored. */
  readonly names: readonly string[];
  readonly message?: RegExp;
  readonly reason: string;
}

const REFUSALS: { readonly [S in RefusingService]: readonly Refusal[] } = {
  sqs: [
    {
      names: ['InvalidMessageContents', 'InvalidParameterValue', 'MessageTooLong'],
      reason: 'SQS refused the message (too long, or a character SQS does not carry)',
    },
    {
      names: ['BatchRequestTooLong'],
      reason: 'SQS refused the batch (longer than a batch may be)',
    },
  ],
  sns: [
    {
      names: ['InvalidParameter', 'InvalidParameterValue', 'ParameterValueInvalid'],
      reason: 'SNS refused the message (over an SNS limit, or a character SNS refuses)',
    },
  ],
  dynamodb: [
    {
      names: ['ValidationException'],
      message: /item size (to update )?has exceeded the maximum allowed size/i,
      reason: `DynamoDB refused to store it: the item would exceed ${DYNAMODB_ITEM_MAX_BYTES} bytes (ValidationException)`,
    },
    {
      names: ['ValidationException'],
      message:
        /size of hashkey has exceeded|size of all hash keys has exceeded|size limit exceeded for index key/i,
      reason: `DynamoDB refused to store it: a partition key would exceed ${DYNAMODB_PARTITION_KEY_MAX_BYTES} bytes (ValidationException)`,
    },
    {
      names: ['ValidationException'],
      message: /size of all range keys has exceeded/i,
      reason: `DynamoDB refused to store it: a sort key would exceed ${DYNAMODB_SORT_KEY_MAX_BYTES} bytes (ValidationException)`,
    },
    {
      names: ['ItemCollectionSizeLimitExceeded'],
      reason:
        'DynamoDB refused to store it: its item collection is full (ItemCollectionSizeLimitExceededException)',
    },
  ],
  sdk: [
    {
      names: ['URIError'],
      reason: 'the AWS SDK could not encode a request for it (a character it cannot send)',
    },
  ],
};

/** `AWS.SimpleQueueService.MessageTooLong` and `InvalidParameterException` name the same refusals. */
const bareName = (name: string): string =>
  name.slice(name.lastIndexOf('.') + 1).replace(/Exception$/, '');

/**
 * Why `error`, raised by a call to one of `services`, is a content refusal; `undefined` when
 * it is not (retry it).
 */
export const contentRefusal = (
  error: unknown,
  ...services: readonly RefusingService[]
): string | undefined => {
  if (!(error instanceof Error)) return undefined;
  const name = bareName(error.name);
  for (const service of services) {
    const found = REFUSALS[service].find(
      (refusal) =>
        refusal.names.some((candidate) => bareName(candidate) === name) &&
        (refusal.message?.test(error.message) ?? true),
    );
    if (found) return found.reason;
  }
  return undefined;
};

/** Whether `error` is a content refusal of one of `services`: retrying cannot fix it. */
export const isContentRefusal = (
  error: unknown,
  ...services: readonly RefusingService[]
): boolean => contentRefusal(error, ...services) !== undefined;
