import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { fleetIndexes } from '../functions/definitions/resources.ts';
import {
  ALERT_HEAD_SK,
  ALERT_INCIDENT_SK_PREFIX,
  ALERT_MESSAGE_SK_PREFIX,
  ALERT_PK_PREFIX,
  EVENT_SK_PREFIX,
  STATE_SK,
} from '../functions/definitions/table-keys.ts';

/**
 * A counting proxy in front of the emulators, at their HTTP layer: the local runtime is given
 * its URL as its one AWS endpoint (`endpoint`, as for LocalStack), and it routes DynamoDB
 * calls to dynalite and everything else (SQS, SNS) to fauxqs.
 *
 * It asks dynalite for `ReturnConsumedCapacity` on every data call, so read and write units
 * come from the emulator's own item-size accounting instead of a guess. The response bytes are
 * passed back untouched (the SDK ignores the extra `ConsumedCapacity` member).
 */

/** What one kind of call (`<operation> <item kind>`) added up to. */
export interface CallStats {
  requests: number;
  /** Refused by their `ConditionExpression`. */
  conditionFailed: number;
  /** Capacity units dynalite reported (successful calls only; it reports none on failure). */
  capacityUnits: number;
  /** Successful writes that also wrote a secondary index entry. */
  indexedWrites: number;
  /** Write units those index entries cost (see `indexWriteUnits`). */
  indexedWriteUnits: number;
}

export type CallCounts = Record<string, CallStats>;

export interface AwsProxy {
  readonly url: string;
  /** A copy of the counts so far, keyed `DynamoDB.PutItem history`, `SQS.SendMessage`, … */
  snapshot(): CallCounts;
  stop(): Promise<void>;
}

export const DYNAMODB_WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
export const DYNAMODB_READ_OPERATIONS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
]);
const DATA_OPERATIONS = new Set([...DYNAMODB_WRITE_OPERATIONS, ...DYNAMODB_READ_OPERATIONS]);

/** Sums the stats of every key that `select` accepts. */
export const sumCounts = (counts: CallCounts, select: (key: string) => boolean): CallStats => {
  const total = emptyStats();
  for (const [key, stats] of Object.entries(counts)) {
    if (!select(key)) continue;
    total.requests += stats.requests;
    total.conditionFailed += stats.conditionFailed;
    total.capacityUnits += stats.capacityUnits;
    total.indexedWrites += stats.indexedWrites;
    total.indexedWriteUnits += stats.indexedWriteUnits;
  }
  return total;
};

/** `after - before`, key by key. */
export const diffCounts = (after: CallCounts, before: CallCounts): CallCounts => {
  const result: CallCounts = {};
  for (const [key, stats] of Object.entries(after)) {
    const old = before[key] ?? emptyStats();
    const delta = {
      requests: stats.requests - old.requests,
      conditionFailed: stats.conditionFailed - old.conditionFailed,
      capacityUnits: stats.capacityUnits - old.capacityUnits,
      indexedWrites: stats.indexedWrites - old.indexedWrites,
      indexedWriteUnits: stats.indexedWriteUnits - old.indexedWriteUnits,
    };
    if (delta.requests !== 0) result[key] = delta;
  }
  return result;
};

/** The calls of two runs together. */
export const addCounts = (a: CallCounts, b: CallCounts): CallCounts => {
  const result: CallCounts = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key] ?? emptyStats();
    const y = b[key] ?? emptyStats();
    result[key] = {
      requests: x.requests + y.requests,
      conditionFailed: x.conditionFailed + y.conditionFailed,
      capacityUnits: x.capacityUnits + y.capacityUnits,
      indexedWrites: x.indexedWrites + y.indexedWrites,
      indexedWriteUnits: x.indexedWriteUnits + y.indexedWriteUnits,
    };
  }
  return result;
};

export const isDynamoWrite = (key: string): boolean =>
  key.startsWith('DynamoDB.') && DYNAMODB_WRITE_OPERATIONS.has(operationOf(key));
export const isDynamoRead = (key: string): boolean =>
  key.startsWith('DynamoDB.') && DYNAMODB_READ_OPERATIONS.has(operationOf(key));

/** `DynamoDB.PutItem history` → `PutItem`. */
export const operationOf = (key: string): string =>
  key.slice(key.indexOf('.') + 1).split(' ')[0] ?? '';

const emptyStats = (): CallStats => ({
  requests: 0,
  conditionFailed: 0,
  capacityUnits: 0,
  indexedWrites: 0,
  indexedWriteUnits: 0,
});

type AttributeMap = Record<string, Record<string, unknown> | undefined>;

/** Which item a call touches, named after the table's layout (see the DynamoDB adapter). */
const itemKind = (payload: Record<string, unknown>): string => {
  const key = (payload.Key ?? payload.Item) as AttributeMap | undefined;
  const sk = key?.sk?.S;
  if (typeof sk !== 'string') {
    if (!payload.KeyConditionExpression) return 'other';
    const values = Object.values((payload.ExpressionAttributeValues ?? {}) as AttributeMap);
    const alertGroup = values.some((value) => String(value?.S ?? '').startsWith(ALERT_PK_PREFIX));
    return alertGroup ? 'alert-group' : 'partition';
  }
  if (sk === STATE_SK) return 'integration';
  if (sk.startsWith(EVENT_SK_PREFIX)) return 'history';
  if (sk === ALERT_HEAD_SK) return 'alert-head';
  if (sk.startsWith(ALERT_INCIDENT_SK_PREFIX)) return 'alert-incident';
  if (sk.startsWith(ALERT_MESSAGE_SK_PREFIX)) return 'alert-message';
  return sk.toLowerCase();
};

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

const parseJson = (bytes: Buffer): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const forward = (
  agent: Agent,
  target: URL,
  incoming: IncomingMessage,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
  new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (response) => {
        readAll(response)
          .then((bytes) =>
            resolve({ status: response.statusCode ?? 502, headers: response.headers, body: bytes }),
          )
          .catch(reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });

const reply = (
  response: ServerResponse,
  result: { status: number; headers: IncomingHttpHeaders; body: Buffer },
) => {
  const headers = { ...result.headers };
  // The body is sent whole with its length; a chunked marker from upstream would be wrong.
  delete headers['transfer-encoding'];
  headers['content-length'] = String(result.body.length);
  response.writeHead(result.status, headers);
  response.end(result.body);
};

export const startAwsProxy = async (options: {
  readonly dynamodbEndpoint: string;
  readonly messagingEndpoint: string;
}): Promise<AwsProxy> => {
  const dynamodb = new URL(options.dynamodbEndpoint);
  const messaging = new URL(options.messagingEndpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const counts: CallCounts = {};
  const count = (key: string): CallStats => {
    counts[key] ??= emptyStats();
    return counts[key];
  };

  const handleDynamo = async (
    incoming: IncomingMessage,
    response: ServerResponse,
    operation: string,
    body: Buffer,
  ) => {
    if (operation === 'UpdateTimeToLive') {
      // dynalite has no TTL API; the runtime enables TTL when given an external endpoint.
      const payload = parseJson(body) ?? {};
      count('DynamoDB.UpdateTimeToLive').requests++;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ TimeToLiveSpecification: payload.TimeToLiveSpecification }));
      return;
    }
    let forwarded = body;
    let stats = count(`DynamoDB.${operation}`);
    if (DATA_OPERATIONS.has(operation)) {
      const payload = parseJson(body);
      if (payload) {
        stats = count(`DynamoDB.${operation} ${itemKind(payload)}`);
        forwarded = Buffer.from(JSON.stringify({ ...payload, ReturnConsumedCapacity: 'TOTAL' }));
      }
    }
    stats.requests++;
    const result = await forward(agent, dynamodb, incoming, incoming.headers, forwarded);
    const answer = parseJson(result.body);
    if (result.status === 200 && answer) {
      const consumed = answer.ConsumedCapacity as
        | { CapacityUnits?: number }
        | { CapacityUnits?: number }[]
        | undefined;
      const units = Array.isArray(consumed)
        ? consumed.reduce((sum, item) => sum + (item.CapacityUnits ?? 0), 0)
        : (consumed?.CapacityUnits ?? 0);
      stats.capacityUnits += units;
      // Index writes, by the indexes' own rules (see `indexWriteUnits`).
      if (DYNAMODB_WRITE_OPERATIONS.has(operation)) {
        const units = indexWriteUnits(parseJson(body));
        if (units > 0) {
          stats.indexedWrites++;
          stats.indexedWriteUnits += units;
        }
      }
    } else if (String(answer?.__type ?? '').endsWith('ConditionalCheckFailedException')) {
      stats.conditionFailed++;
    }
    reply(response, result);
  };

  const sets = (payload: Record<string, unknown> | undefined, attribute: string): boolean =>
    typeof payload?.UpdateExpression === 'string'
      ? new RegExp(`\\b${attribute} = `).test(payload.UpdateExpression)
      : Boolean((payload?.Item as AttributeMap | undefined)?.[attribute]);

  /**
   * What a write costs the indexes, by their rules: every index entry is small (keys and a
   * few ids, under 1 KB), so 1 WRU per entry written. A write that sets an index's sort key
   * moves its entry: a delete and a put, 2 WRUs; the entry's first write only puts, 1 WRU.
   * The writers set the list view (`listKey`) only when it changes, so other writes leave the
   * list indexes alone.
   */
  const stored = new Set<string>();
  const listed = new Set<string>();
  const indexWriteUnits = (payload: Record<string, unknown> | undefined): number => {
    let units = 0;
    const listIndexes = fleetIndexes.filter((index) => index.sortKey === 'listKey').length;
    const item = (payload?.Key ?? payload?.Item) as AttributeMap | undefined;
    const itemKey = `${item?.pk?.S ?? ''}\u0000${item?.sk?.S ?? ''}`;
    if (sets(payload, 'listKey')) {
      units += (listed.has(itemKey) ? 2 : 1) * listIndexes;
      listed.add(itemKey);
    }
    if (sets(payload, 'recordKey')) units += 1;
    // The keys-only owner indexes (organization, location) get an entry when an integration
    // is first stored; their keys never change after.
    const pk = (payload?.Key as AttributeMap | undefined)?.pk?.S;
    if (
      typeof pk === 'string' &&
      pk.startsWith('INTEGRATION#') &&
      sets(payload, 'organizationId')
    ) {
      if (!stored.has(pk)) {
        stored.add(pk);
        units += fleetIndexes.filter((index) => index.projection === 'KEYS_ONLY').length;
      }
    }
    return units;
  };

  const handleMessaging = async (
    incoming: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
  ) => {
    const target = incoming.headers['x-amz-target'];
    let key: string;
    if (typeof target === 'string') {
      // SQS speaks JSON: `AmazonSQS.SendMessage`.
      key = `SQS.${target.split('.').pop() ?? target}`;
    } else {
      // SNS speaks the query protocol: `Action=Publish&…` in a form body.
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? 'unknown';
      key = `SNS.${action}`;
    }
    count(key).requests++;
    reply(response, await forward(agent, messaging, incoming, incoming.headers, body));
  };

  const server = createServer((incoming, response) => {
    readAll(incoming)
      .then((body) => {
        const target = incoming.headers['x-amz-target'];
        if (typeof target === 'string' && target.startsWith('DynamoDB_')) {
          return handleDynamo(incoming, response, target.split('.')[1] ?? '', body);
        }
        return handleMessaging(incoming, response, body);
      })
      .catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `bench proxy: ${String(error)}` }));
      });
  });
  // Many SDK sockets stay open between phases; never let one idle socket keep the bench alive.
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    snapshot: () => structuredClone(counts),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
};
