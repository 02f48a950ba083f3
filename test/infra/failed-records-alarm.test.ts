import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IntegrationStore } from '../../functions/core/ports.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { metrics } from '../../functions/observability.ts';
import { createProcessorHandler } from '../../functions/processor/processor.ts';
import { RECORDS_FAILED_METRIC } from '../../lib/cloud/constructs/monitoring.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { sqsEvent } from '../support/http-events.ts';
import { InMemoryAlertLedger, InMemoryAlertPublisher, InMemoryEventQueue } from '../twins/index.ts';

/**
 * The `ProcessorRecordsFailed` alarm counts the processor's embedded-metric-format lines in its
 * log group that carry `RecordsFailed`. This checks that assumption against the real thing: the
 * processor, wired to the same Powertools `metrics` as in Lambda, fails a whole batch (a store
 * that refuses every call, as with a missing permission), and the line it prints is selected
 * by the metric filter's pattern (test/infra/deploy-readiness.test.ts pins the pattern in the
 * template). A renamed metric or a changed line shape fails here.
 */

/** The two selectors of the filter pattern, `$.RecordsFailed > 0` and `$.RecordsFailed[0] > 0`. */
const selectedByFilter = (line: Record<string, unknown>): boolean => {
  const value = line[RECORDS_FAILED_METRIC];
  if (typeof value === 'number') return value > 0;
  return Array.isArray(value) && typeof value[0] === 'number' && value[0] > 0;
};

const refusingStore = new Proxy(
  {},
  {
    get: () => async () => {
      const error = new Error('User is not authorized to perform: dynamodb:UpdateItem');
      error.name = 'AccessDeniedException';
      throw error;
    },
  },
) as IntegrationStore;

const webhookBody = (id: string) =>
  JSON.stringify({
    kind: 'webhook',
    receivedAt: '2024-06-12T00:00:00.000Z',
    webhook: envelope(lifecycleEvent('created', { id })),
  } satisfies QueueMessage);

/** Runs the processor on `event` and returns the EMF lines it printed. */
const emfLinesOf = async (event: SQSEvent): Promise<Record<string, unknown>[]> => {
  const printed: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  const handler = createProcessorHandler({
    store: refusingStore,
    alerting: {
      ledger: new InMemoryAlertLedger(),
      queue: new InMemoryEventQueue(),
      publisher: new InMemoryAlertPublisher(),
      timing: { windowMs: 30_000, intervalMs: 300_000 },
    },
    metrics,
  });
  try {
    await handler(event);
  } catch {
    // A processor that throws on a batch where every record failed is fine here: the line
    // printed before the throw is what the alarm reads.
  }
  vi.restoreAllMocks();
  return printed
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

describe('failed-records alarm', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('selects the line the processor prints when every record of a batch failed', async () => {
    const lines = await emfLinesOf(
      sqsEvent([webhookBody('a'), webhookBody('b'), webhookBody('c')]),
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some(selectedByFilter)).toBe(true);
  });

  it('selects it for a batch of one failed record too', async () => {
    const lines = await emfLinesOf(sqsEvent([webhookBody('d')]));
    expect(lines.some(selectedByFilter)).toBe(true);
  });
});
