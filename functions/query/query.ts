import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IntegrationStore } from '../core/ports.ts';
import { integrationView } from '../core/view.ts';
import { type JsonResponse, jsonResponder } from '../http/json-response.ts';
import type { ReconcileStore } from '../reconciler/sweep-state.ts';

// A view is the state at the time of the read; no cache may serve it later.
const { ok, failure, internalError } = jsonResponder({ 'cache-control': 'no-store' });

/**
 * `GET /integrations/{id}`: the integration's current state and history, newest first.
 * Read-only, and never returns the token. Unexpected errors answer a generic 500; the detail
 * goes to the log.
 */
export const createQueryHandler =
  ({
    store,
    observations,
    logger,
  }: {
    store: IntegrationStore;
    /** What the reconciler last observed at HappyColis, shown beside the state. */
    observations?: Pick<ReconcileStore, 'getObservations'>;
    logger?: Logger;
  }) =>
  async (event: APIGatewayProxyEventV2): Promise<JsonResponse> => {
    // Ids are compared byte for byte, as the processor stores them: nothing is trimmed.
    const id = event.pathParameters?.id;
    if (!id?.trim()) return failure(400, 'bad_request', 'the integration id is missing');
    try {
      const [{ integration, history }, observed] = await Promise.all([
        store.getIntegrationWithHistory(id),
        observations?.getObservations([id]),
      ]);
      const view = integrationView(id, integration, history);
      const reconciliation = observed?.get(id);
      if (!view) return failure(404, 'not_found', `no integration with id ${id}`);
      return ok(reconciliation ? { ...view, reconciliation } : view);
    } catch (error) {
      return internalError(logger, 'query failed', { integrationId: id, error });
    }
  };
