import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../../functions/adapters/clients.ts';
import { bootstrap, type LocalResources } from '../../lib/local/bootstrap.ts';
import { startEmulators } from '../../lib/local/emulators.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** dynalite and fauxqs on ephemeral ports with the project's resources, for adapter tests. */
export const startAws = async (options: { visibilityTimeoutSeconds?: number } = {}) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fiw-adapters-'));
  const emulators = await startEmulators({ dataDir });
  const dynamodb = new DynamoDBClient({
    endpoint: emulators.dynamodbEndpoint,
    region,
    credentials,
  });
  const sqs = new SQSClient({ endpoint: emulators.messagingEndpoint, region, credentials });
  const sns = new SNSClient({ endpoint: emulators.messagingEndpoint, region, credentials });
  const resources: LocalResources = await bootstrap({
    dynamodb,
    sqs,
    sns,
    enableTtl: false,
    ...(options.visibilityTimeoutSeconds === undefined
      ? {}
      : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
  });
  return {
    resources,
    clients: { dynamodb, document: createDocumentClient(dynamodb), sqs, sns },
    stop: async () => {
      for (const client of [dynamodb, sqs, sns]) client.destroy();
      await emulators.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

export type TestAws = Awaited<ReturnType<typeof startAws>>;
