import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';

/** A minimal but faithful API Gateway HTTP API (v2) event. */
export const httpEvent = (
  method: string,
  path: string,
  options: {
    body?: string;
    headers?: Record<string, string>;
    isBase64Encoded?: boolean;
    pathParameters?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: `${method} ${path}`,
  rawPath: path,
  rawQueryString: '',
  headers: { 'content-type': 'application/json', ...options.headers },
  isBase64Encoded: options.isBase64Encoded ?? false,
  ...(options.body === undefined ? {} : { body: options.body }),
  ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
  requestContext: {
    accountId: '000000000000',
    apiId: 'local',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    requestId: 'req-1',
    routeKey: `${method} ${path}`,
    stage: '$default',
    time: '10/Jun/2024:09:00:00 +0000',
    timeEpoch: 1718010000000,
  },
});

/** An SQS event carrying the given message bodies, Lambda-shaped. */
export const sqsEvent = (bodies: readonly string[]): SQSEvent => ({
  Records: bodies.map((body, index) => ({
    messageId: `sqs-${index}`,
    receiptHandle: `rh-${index}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:integration-events',
    awsRegion: 'us-east-1',
  })),
});
