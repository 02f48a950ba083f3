import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsEventQueue } from '../adapters/sqs-event-queue.ts';
import { createIngestHandler, type IngestConfig } from './ingest.ts';

/**
 * The ingest assembled from its AWS clients and resolved configuration. The Lambda handler and
 * the local runtime both call it, so the two assemblies cannot drift.
 */
export const wireIngest = (options: {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly config: IngestConfig | (() => Promise<IngestConfig>);
  readonly logger?: Logger | undefined;
}) =>
  createIngestHandler({
    config: options.config,
    queue: new SqsEventQueue({ client: options.sqs, queueUrl: options.queueUrl }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
