import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createQueryHandler } from '../../functions/query/query.ts';
import { lifecycleEvent } from '../support/events.ts';
import { createTwins } from '../twins/index.ts';

const request = (id: string | undefined) =>
  ({
    rawPath: `/integrations/${id ?? ''}`,
    pathParameters: id === undefined ? {} : { id },
  }) as unknown as APIGatewayProxyEventV2;

describe('query handler answers', () => {
  it('shows 4xx messages to the caller', async () => {
    const { store } = createTwins();
    const query = createQueryHandler({ store });
    const missing = await query(request(' '));
    expect(missing.statusCode).toBe(400);
    expect(JSON.parse(missing.body ?? '')).toEqual({
      error: 'bad_request',
      message: 'the integration id is missing',
    });
    const unknown = await query(request('nope'));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(JSON.parse(unknown.body ?? '')).toEqual({
      error: 'not_found',
      message: 'no integration with id nope',
    });
  });

  it('looks an id up byte for byte, without trimming it', async () => {
    const { store } = createTwins();
    await store.applyEvent(
      lifecycleEvent('created', { id: ' ws-7 ' }),
      new Date('2024-06-10T09:00:01Z'),
    );
    const query = createQueryHandler({ store });
    const padded = await query(request(' ws-7 '));
    expect(padded.statusCode).toBe(200);
    expect(JSON.parse(padded.body ?? '')).toMatchObject({ id: ' ws-7 ', state: 'PENDING' });
    expect((await query(request('ws-7'))).statusCode).toBe(404);
  });

  it('answers a generic 500 and logs the details when the store fails', async () => {
    const { store } = createTwins();
    const cause = new Error('table unreachable: secret detail');
    store.faults.failNext('getIntegrationWithHistory', { error: cause });
    const logger = new Logger({ logLevel: 'SILENT' });
    const logged = vi.spyOn(logger, 'error');
    const answer = await createQueryHandler({ store, logger })(request('abc'));
    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body ?? '')).toEqual({
      error: 'internal_error',
      message: 'internal error',
    });
    expect(answer.body).not.toContain('secret detail');
    expect(logged).toHaveBeenCalledWith('query failed', { integrationId: 'abc', error: cause });
  });
});
