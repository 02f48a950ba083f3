import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IntegrationStore } from '../core/ports.ts';
import { integrationView } from '../core/view.ts';
import { type JsonResponse, jsonResponder } from '../http/json-response.ts';

// A view is the state at the time of the read; no cache may serve it later.
const { ok, failure, internalError } = jsonResponder({ 'cache-control': 'no-store' });

/**
 * `GET /integrations/{id}`: the integration's current state and history, newest first.
 * Read-only, and never returns the token. Unexpected errors answer a generic 500; the detail
 * goes to the log.
 */
export const createQueryHandler =
  ({ store, logger }: { store: IntegrationStore; logger?: Logger }) =>
  async (event: APIGatewayProxyEventV2): Promise<JsonResponse> => {
    // Ids are compared byte for byte, as the processor stores them: nothing is trimmed.
    const id = event.pathParameters?.id;
    if (!id?.trim()) return failure(400, 'bad_request', 'the integration id is missing');
    try {
      const { integration, history } = await store.getIntegrationWithHistory(id);
      const view = integrationView(id, integration, history);
      return view ? ok(view) : failure(404, 'not_found', `no integration with id ${id}`);
    } catch (error) {
      return internalError(logger, 'query failed', { integrationId: id, error });
    }
  };
