import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import * as v from 'valibot';
import { createDocumentClient } from '../adapters/clients.ts';
import { AlertGroupEnvSchema, groupTimingOf } from '../alerting/settings.ts';
import { parseEnv, QueueEnvSchema, TableEnvSchema } from '../config.ts';
import { ReceiverError } from '../core/errors.ts';
import { loadHappyColisSettings, reconcileTimingOf } from '../happycolis/settings.ts';
import { logger, metrics } from '../observability.ts';
import { NOT_CONFIGURED_ORGANIZATION } from './reconcile.ts';
import { wireHappyColis } from './wiring.ts';

const env = parseEnv(
  v.intersect([TableEnvSchema, QueueEnvSchema, AlertGroupEnvSchema]),
  process.env,
  'reconciler',
);

const happycolis = wireHappyColis({
  document: createDocumentClient(),
  sqs: new SQSClient({}),
  tableName: env.TABLE_NAME,
  queueUrl: env.QUEUE_URL,
  loadSettings: () => loadHappyColisSettings(process.env),
  timing: reconcileTimingOf(process.env),
  groupTiming: groupTimingOf(env),
  logger,
  metrics,
});

/** Locations that could not be checked: the run fails so its alarm sees it; the sweep goes on. */
export class ReconcileIncompleteError extends ReceiverError {}

/**
 * Invoked by a schedule more often than the sweep interval: each run resumes an unfinished
 * sweep, or starts one when the last began an interval ago, and stops in time for the function's
 * timeout (the next run resumes after the last location it finished).
 */
export const handler = async (_event: unknown, context: Context) => {
  const report = await happycolis.reconcile({ trigger: 'schedule' }, () =>
    context.getRemainingTimeInMillis(),
  );
  const { status, sweep } = report;
  // Locations of organizations left out on purpose are reported, not failures.
  const unchecked = report.unchecked.filter(
    (entry) => entry.reason !== NOT_CONFIGURED_ORGANIZATION,
  );
  if (status === 'not-configured') {
    logger.warn('reconcile skipped: HappyColis API credentials are not configured');
  }
  if (unchecked.length > 0) {
    throw new ReconcileIncompleteError(
      `${unchecked.length} location(s) could not be checked, e.g. ${unchecked[0]?.locationId}: ${unchecked[0]?.reason}`,
    );
  }
  return { status, sweepId: sweep?.sweepId, counts: sweep?.counts };
};
