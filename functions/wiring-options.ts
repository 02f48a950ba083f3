import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Logger and metrics a wiring hands to its function; absent, the function stays silent. */
export interface Observability {
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}

/** What a function that reads or writes the table and publishes alerts is wired with. */
export interface TableAndTopic extends Observability {
  readonly document: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly tableName: string;
  readonly topicArn: string;
}
