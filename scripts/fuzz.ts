import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { queueDepth } from '../functions/adapters/clients.ts';
import { parseWebhook } from '../functions/core/events.ts';
import { quarantinePayload } from '../functions/core/quarantine.ts';
import { eventIdentity } from '../functions/core/state.ts';
import { ROUTES } from '../functions/definitions/routes.ts';
import { historyKey, quarantineKey } from '../functions/definitions/table-keys.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';
import {
  envelope,
  FUZZ_SECRET,
  FUZZ_SECRETS,
  mutate,
  mutation,
  nearlyValid,
  type Signing,
  signatureFor,
  signing,
} from './fuzz-payloads.ts';

/**
 * `npm run fuzz -- [--count 10000] [--concurrency 16] [--seed <n>]`: a campaign against the
 * whole local system (ingest, SQS, processor, DynamoDB, SNS, alert delivery, on the emulators).
 * It posts `count` signed mutated payloads and a tenth as many forged ones, waits for the pipeline to go idle, then reports:
 * answers by status (5xx must be 0); payloads answered 200 whose event or quarantine record
 * is not in the table (must be 0); dead-lettered messages; and occurrences of the token in
 * answers, log lines, alerts and stored records other than the integration item's own
 * `accessToken` (must be 0). Exit status 1 when any of these is not 0.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);

// Everything the handlers log (Powertools writes to stdout) is kept and searched for the token.
const captured: string[] = [];
const realStdout = process.stdout.write.bind(process.stdout);
const say = (line: string) => realStdout(`${line}\n`);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
  callback?.();
  return true;
}) as typeof process.stdout.write;

const dataDir = await mkdtemp(join(tmpdir(), 'webhooks-fuzz-'));
const lines: string[] = [];
const alerts: string[] = [];
const runtime = await startLocalRuntime({
  port: 0,
  dataDir,
  happycolisSecrets: [FUZZ_SECRET],
  webhookTokens: ['fuzz-bearer'],
  visibilityTimeoutSeconds: 2,
  alertConsumers: [
    async (event) => {
      for (const record of event.Records) alerts.push(record.body);
    },
  ],
  handlerLogger: new Logger({ serviceName: 'fuzz', logLevel: 'DEBUG' }),
  print: (line) => lines.push(line),
});
const { tableName } = runtime.resources;
const { document, sqs } = runtime.clients;

type Case = { readonly body: string | Uint8Array; readonly how: Signing };
const payloads = (how: fc.Arbitrary<Signing>): fc.Arbitrary<Case> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.tuple(nearlyValid, fc.boolean(), how).map(([source, pretty, signed]) => ({
        body: mutate(source, pretty, { kind: 'none' }),
        how: signed,
      })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(envelope, fc.boolean(), mutation, how)
        .map(([source, pretty, m, signed]) => ({ body: mutate(source, pretty, m), how: signed })),
    },
    { weight: 1, arbitrary: fc.record({ body: fc.uint8Array({ maxLength: 400 }), how }) },
  );
// `count` signed payloads (over the raw bytes or the documented form), then a tenth as many
// unsigned or wrongly signed ones, which must all get 401 and leave no trace.
const signed = fc.sample(payloads(signing.filter((how) => how === 'raw' || how === 'canonical')), {
  numRuns: count,
  seed,
});
const forged = fc.sample(payloads(fc.constantFrom<Signing>('wrong', 'missing')), {
  numRuns: Math.ceil(count / 10),
  seed: seed + 1,
});
const cases: Case[] = [...signed, ...forged];

type Key = { readonly pk: string; readonly sk: string };
const statuses = new Map<number, number>();
const expected: Key[] = [];
const answers: string[] = [];
let transportErrors = 0;
const outcomes = new Map<string, number>();
/** Forged payloads must get 401 (or 413 when oversized, checked first); signed ones never 401. */
let forgedAnswered = 0;
let signedRefused = 0;

/** The record a 200 promises: the event's history item, or the quarantine item. */
const recordKey = (text: string, status: string): Key | undefined => {
  if (status === 'accepted') {
    const parsed = parseWebhook(text);
    if (!parsed.success) return undefined;
    const { header, body } = parsed.value.event;
    return historyKey(body.id, eventIdentity(header));
  }
  const payload = Buffer.from(quarantinePayload(text).payloadBase64, 'base64').toString('utf8');
  const id = createHash('sha256').update(['happycolis', payload].join('\u0000')).digest('hex');
  return quarantineKey(id);
};

const post = async ({ body, how }: Case) => {
  try {
    const response = await fetch(`${runtime.url}${ROUTES.happycolis}`, {
      method: 'POST',
      // Bytes go as binary, which API Gateway hands over base64-encoded and intact; as text
      // it would decode them as UTF-8, replacing invalid sequences, and the signature would
      // no longer match.
      headers: {
        'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream',
        ...signatureFor(how, body),
      },
      body,
    });
    const text = await response.text();
    const forged = how === 'wrong' || how === 'missing';
    if (forged && response.status !== 401 && response.status !== 413) forgedAnswered++;
    if (!forged && response.status === 401) signedRefused++;
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    answers.push(text);
    if (response.status !== 200) return;
    const status = (JSON.parse(text) as { status: string }).status;
    outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
    // What the ingest read: the UTF-8 decoding of the bytes that went over the wire.
    const received = Buffer.from(typeof body === 'string' ? Buffer.from(body) : body).toString();
    const key = recordKey(received, status);
    if (key) expected.push(key);
    else expected.push({ pk: 'UNPARSEABLE-ACCEPTED', sk: status });
  } catch {
    transportErrors++;
  }
};

const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < cases.length) {
      const item = cases[next++];
      if (item) await post(item);
    }
  }),
);
const postedMs = Date.now() - started;

let quietSince = 0;
for (;;) {
  const busy =
    (await queueDepth(sqs, runtime.resources.queueUrl)) +
    (await queueDepth(sqs, runtime.resources.alertsQueueUrl));
  if (busy > 0) quietSince = 0;
  else quietSince ||= Date.now();
  if (quietSince && Date.now() - quietSince > 3000) break;
  await sleep(250);
}
const deadLettered = await queueDepth(sqs, runtime.resources.deadLetterQueueUrl);

let missing = 0;
let checked = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (checked < expected.length) {
      const key = expected[checked++];
      if (!key) continue;
      const { Item } = await document.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      if (!Item) missing++;
    }
  }),
);

// Every stored record, minus the one attribute that is meant to hold the token.
const stored: string[] = [];
let startKey: Record<string, unknown> | undefined;
do {
  const page = await document.send(
    new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
  );
  for (const item of page.Items ?? []) {
    const { accessToken: _held, ...rest } = item;
    stored.push(JSON.stringify(rest));
  }
  startKey = page.LastEvaluatedKey;
} while (startKey);

await runtime.stop();
await rm(dataDir, { recursive: true, force: true });
process.stdout.write = realStdout;

const occurrences = (texts: readonly string[]) =>
  texts.reduce(
    (sum, text) => sum + FUZZ_SECRETS.reduce((n, secret) => n + text.split(secret).length - 1, 0),
    0,
  );
const fiveHundreds = [...statuses]
  .filter(([status]) => status >= 500)
  .reduce((n, [, c]) => n + c, 0);
const tokens = {
  answers: occurrences(answers),
  logs: occurrences([...captured, ...lines]),
  alerts: occurrences(alerts),
  records: occurrences(stored),
};

say(
  `fuzz campaign: ${signed.length} signed + ${forged.length} unsigned or forged payloads, ` +
    `seed ${seed}, ${postedMs} ms to post`,
);
say(
  `answers by status: ${[...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ')}; transport errors: ${transportErrors}`,
);
say(
  `5xx answers: ${fiveHundreds}; signed payloads answered 401: ${signedRefused}; ` +
    `forged payloads answered other than 401/413: ${forgedAnswered}`,
);
say(
  `answered 200: ${expected.length} (${[...outcomes].map(([status, n]) => `${status} ${n}`).join(', ')}); ` +
    `not stored afterwards: ${missing}; dead-lettered: ${deadLettered}`,
);
say(
  `token occurrences: answers ${tokens.answers}, logs ${tokens.logs} (${captured.length + lines.length} lines), ` +
    `alerts ${tokens.alerts} (${alerts.length} alerts), records ${tokens.records} (${stored.length} items)`,
);
const failed =
  fiveHundreds +
  signedRefused +
  forgedAnswered +
  missing +
  deadLettered +
  transportErrors +
  Object.values(tokens).reduce((a, b) => a + b);
process.exitCode = failed > 0 ? 1 : 0;
