import { describe, expect, it } from 'vitest';
import { contentRefusal, isContentRefusal } from '../../functions/core/refusals.ts';

const named = (name: string, message = 'refused') => Object.assign(new Error(message), { name });

describe('content refusals', () => {
  it.each([
    ['sqs', named('InvalidMessageContents')],
    ['sqs', named('InvalidParameterValue')],
    ['sqs', named('AWS.SimpleQueueService.MessageTooLong')],
    ['sqs', named('BatchRequestTooLong')],
    ['sns', named('InvalidParameterException')],
    ['sns', named('InvalidParameterValueException')],
    ['sns', named('ParameterValueInvalid')],
    ['dynamodb', named('ValidationException', 'Item size has exceeded the maximum allowed size')],
    [
      'dynamodb',
      named('ValidationException', 'Item size to update has exceeded the maximum allowed size'),
    ],
    [
      'dynamodb',
      named(
        'ValidationException',
        'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes',
      ),
    ],
    [
      'dynamodb',
      named(
        'ValidationException',
        'Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
      ),
    ],
    ['dynamodb', named('ItemCollectionSizeLimitExceededException')],
    ['sdk', new URIError('URI malformed')],
  ] as const)('a %s %s cannot be fixed by retrying', (service, error) => {
    expect(isContentRefusal(error, service)).toBe(true);
  });

  it.each([
    ['sqs', named('RequestThrottled')],
    ['sqs', named('KmsThrottled')],
    ['sns', named('ThrottledException')],
    ['sns', named('KMSInvalidStateException')],
    ['dynamodb', named('ProvisionedThroughputExceededException')],
    // A malformed expression is a bug, not the content: retried, then dead-lettered.
    ['dynamodb', named('ValidationException', 'Two document paths overlap with each other')],
    ['dynamodb', named('ConditionalCheckFailedException')],
    ['sdk', new TypeError('fetch failed')],
  ] as const)('a %s %s is retried', (service, error) => {
    expect(contentRefusal(error, service)).toBeUndefined();
  });

  it('answers only for the services the caller talks to', () => {
    const tooLong = named('InvalidParameterValue');
    expect(isContentRefusal(tooLong, 'dynamodb')).toBe(false);
    expect(isContentRefusal(tooLong, 'dynamodb', 'sqs')).toBe(true);
    expect(isContentRefusal('InvalidParameterValue', 'sqs')).toBe(false);
  });

  it('names the limit, never the value refused', () => {
    const error = named(
      'ValidationException',
      'Item size has exceeded the maximum allowed size: tok_SECRET',
    );
    const reason = contentRefusal(error, 'dynamodb');
    expect(reason).toContain('409600 bytes');
    expect(reason).not.toContain('tok_SECRET');
  });
});
