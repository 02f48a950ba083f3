import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config.ts';
import { ReceiverError } from '../../functions/core/errors.ts';
import { MissingSecretError } from '../../functions/ingest/ingest.ts';

describe('ReceiverError', () => {
  it('names each error after its own class', () => {
    class ExampleError extends ReceiverError {}
    expect(new ExampleError('x').name).toBe('ExampleError');
    expect(new ConfigError('bad').name).toBe('ConfigError');
    expect(new MissingSecretError().name).toBe('MissingSecretError');
  });

  it('keeps the cause and stays an Error', () => {
    const cause = new Error('root');
    const error = new ConfigError('bad', { cause });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(ReceiverError);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('bad');
  });
});
