import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { IntegrationStore } from '../core/ports.ts';
import { integrationView } from '../core/view.ts';

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * `GET /integrations/{id}`: the integration's current state and history, newest first.
 * Read-only, and never returns the token. Unexpected errors answer a generic 500; the detail
 * goes to the log.
 */
export const createQueryHandler =
  ({ store, logger }: { store: IntegrationStore; logger?: Logger }) =>
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const id = event.pathParameters?.id?.trim();
    if (!id) return json(400, { error: 'bad_request', message: 'the integration id is missing' });
    try {
      const { integration, history } = await store.getIntegrationWithHistory(id);
      const view = integrationView(id, integration, history);
      return view
        ? json(200, view)
        : json(404, { error: 'not_found', message: `no integration with id ${id}` });
    } catch (error) {
      logger?.error('query failed', { integrationId: id, error });
      return json(500, { error: 'internal_error', message: 'the integration could not be read' });
    }
  };
