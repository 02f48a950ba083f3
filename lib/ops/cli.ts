import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import * as v from 'valibot';
import {
  createOpsClient,
  needsSigning,
  type OpsAnswer,
  type OpsClient,
  OpsError,
} from './client.ts';
import { fields, table } from './format.ts';

/**
 * `npm run ops -- <command>`: the operator toolkit over the HTTP API, against the local
 * runtime (default) or a deployed stage (`--stage`, or `--url`), SigV4-signed for the cloud.
 */

export const USAGE = `usage: npm run ops -- <command> [options]

commands:
  integrations list [--state S] [--organization O] [--location L] [--service F] [--limit N] [--cursor C] [--all]
  integrations show <id>
  quarantine list [--source happycolis|delivery-errors] [--limit N] [--cursor C] [--all]
  quarantine show <id>
  quarantine replay <id>
  notices list [--limit N] [--cursor C] [--all]
  dlq show [--sample N]
  dlq redrive [--rate N] [--no-wait]

options:
  --url URL       the API (default http://127.0.0.1:$PORT, PORT defaulting to 3000)
  --stage NAME    a deployed stage: the URL is read from the stack FulfillmentWebhooks-NAME
  --region R      region of the stage (default AWS_REGION, or the URL's)
  --json          print the API's JSON instead of tables (for scripts)
  --help          this text`;

export interface CliIo {
  readonly print: (text: string) => void;
  readonly printError: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves a stage's API URL; defaults to reading the stack outputs. */
  readonly stageUrl?: (stage: string, region: string | undefined) => Promise<string>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetchImpl?: typeof fetch;
}

/** The output naming the stage's API base URL. */
export const API_URL_OUTPUT = 'ApiUrl';

const readStageUrl = async (stage: string, region: string | undefined): Promise<string> => {
  const client = new CloudFormationClient(region ? { region } : {});
  try {
    const { Stacks = [] } = await client.send(
      new DescribeStacksCommand({ StackName: `FulfillmentWebhooks-${stage}` }),
    );
    const url = Stacks[0]?.Outputs?.find((output) => output.OutputKey === API_URL_OUTPUT);
    if (!url?.OutputValue) {
      throw new OpsError(
        `stack FulfillmentWebhooks-${stage} has no ${API_URL_OUTPUT} output: deploy the current version`,
      );
    }
    return url.OutputValue;
  } catch (error) {
    if (error instanceof OpsError) throw error;
    const name = error instanceof Error ? error.name : '';
    if (name === 'CredentialsProviderError') {
      throw new OpsError(
        'no AWS credentials found: set AWS_PROFILE, or run `aws configure` / `aws sso login`',
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'Region is missing') {
      throw new OpsError(
        `cannot tell which region holds stage ${stage}: pass --region, or set AWS_REGION (or a region in your AWS profile)`,
        { cause: error },
      );
    }
    if (/does not exist/.test(message)) {
      throw new OpsError(
        `no stack FulfillmentWebhooks-${stage} in ${region ?? 'your default region'}: check the stage name and --region (deploy it with \`npx cdk deploy -c stage=${stage}\`)`,
        { cause: error },
      );
    }
    throw new OpsError(`cannot read stack FulfillmentWebhooks-${stage}: ${message}`, {
      cause: error,
    });
  } finally {
    client.destroy();
  }
};

const regionOf = (url: string): string | undefined =>
  /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];

const ErrorBody = v.object({ message: v.string() });

/** Turns an answer that is not 2xx into an actionable error. */
const check = (answer: OpsAnswer, what: string): OpsAnswer => {
  if (answer.status >= 200 && answer.status < 300) return answer;
  const parsed = v.safeParse(ErrorBody, answer.body);
  const message = parsed.success ? parsed.output.message : String(answer.body).slice(0, 200);
  switch (answer.status) {
    case 403:
      throw new OpsError(
        `403 forbidden (${what}): your IAM identity may not invoke this route, or the request was not signed for this API (${message}); README "Operating it" lists the policies`,
      );
    case 404:
      throw new OpsError(`404 (${what}): ${message}`);
    default:
      throw new OpsError(`${answer.status} (${what}): ${message}`);
  }
};

interface Page {
  readonly items: readonly Record<string, unknown>[];
  readonly cursor?: string;
}
const PageSchema = v.object({
  items: v.array(v.record(v.string(), v.unknown())),
  cursor: v.optional(v.string()),
});

const listAll = async (
  call: OpsClient,
  path: string,
  query: Record<string, string | undefined>,
  all: boolean,
  what: string,
): Promise<Page> => {
  const items: Record<string, unknown>[] = [];
  let cursor = query.cursor;
  for (;;) {
    const answer = check(await call('GET', path, { ...query, cursor }), what);
    const page = v.parse(PageSchema, answer.body);
    items.push(...page.items);
    cursor = page.cursor;
    if (!all || cursor === undefined) return { items, ...(cursor ? { cursor } : {}) };
  }
};

const ProgressSchema = v.object({
  count: v.number(),
  redrive: v.object({
    status: v.string(),
    moved: v.number(),
    toMove: v.optional(v.number()),
    failureReason: v.optional(v.string()),
  }),
});

/** Runs one command; resolves to the exit code. */
export const runOps = async (argv: readonly string[], io: CliIo): Promise<number> => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.printError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.print(USAGE);
    return values.help ? 0 : 2;
  }
  const sleep = io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  try {
    let baseUrl = values.url;
    const region = values.region ?? io.env.AWS_REGION;
    if (values.stage) baseUrl = await (io.stageUrl ?? readStageUrl)(values.stage, region);
    baseUrl ??= `http://127.0.0.1:${io.env.PORT ?? '3000'}`;
    const signRegion = needsSigning(baseUrl) ? (region ?? regionOf(baseUrl)) : undefined;
    if (needsSigning(baseUrl) && !signRegion) {
      throw new OpsError('cannot tell the region to sign for: pass --region or set AWS_REGION');
    }
    const call = createOpsClient({
      baseUrl,
      ...(signRegion ? { signRegion } : {}),
      ...(io.fetchImpl ? { fetchImpl: io.fetchImpl } : {}),
    });
    const out = (body: unknown, text: () => string) =>
      io.print(values.json ? JSON.stringify(body, null, 2) : text());
    const [group, command, id] = positionals;
    const key = `${group} ${command ?? ''}`.trim();
    const needId = () => {
      if (!id) throw new OpsError(`${key} needs an id\n\n${USAGE}`);
      return encodeURIComponent(id);
    };
    const more = (page: Page) => (page.cursor ? `\nmore: --cursor ${page.cursor} (or --all)` : '');

    switch (key) {
      case 'integrations list': {
        const page = await listAll(
          call,
          '/integrations',
          {
            state: values.state,
            organizationId: values.organization,
            locationId: values.location,
            fulfillmentServiceId: values.service,
            limit: values.limit,
            cursor: values.cursor,
          },
          values.all ?? false,
          'GET /integrations',
        );
        out(
          page,
          () =>
            `${table(
              [
                ['ID', 'id'],
                ['STATE', 'state'],
                ['ORGANIZATION', 'organizationId'],
                ['LOCATION', 'locationId'],
                ['SERVICE', 'fulfillmentServiceId'],
                ['LAST EVENT', 'lastEventAt'],
              ],
              page.items,
            )}\n${page.items.length} integration(s)${more(page)}`,
        );
        return 0;
      }
      case 'integrations show': {
        const { body } = check(
          await call('GET', `/integrations/${needId()}`),
          'GET /integrations/{id}',
        );
        const view = v.parse(v.record(v.string(), v.unknown()), body);
        const history = v.parse(v.array(v.record(v.string(), v.unknown())), view.history ?? []);
        out(
          body,
          () =>
            `${fields([
              ['id', view.id],
              ['state', view.state],
              ['organization', view.organizationId],
              ['location', view.locationId],
              ['service', view.fulfillmentServiceId],
              ['token held', view.hasAccessToken],
              ['last event', `${view.lastEventType ?? '-'} at ${view.lastEventAt ?? '-'}`],
            ])}\n\n${table(
              [
                ['DATE', 'date'],
                ['TYPE', 'type'],
                ['OUTCOME', 'outcome'],
                ['MESSAGE ID', 'messageId'],
              ],
              history,
            )}`,
        );
        return 0;
      }
      case 'quarantine list': {
        const page = await listAll(
          call,
          '/quarantine',
          { source: values.source, limit: values.limit, cursor: values.cursor },
          values.all ?? false,
          'GET /quarantine',
        );
        out(
          page,
          () =>
            `${table(
              [
                ['ID', 'id'],
                ['SOURCE', 'source'],
                ['RECEIVED', 'receivedAt'],
              ],
              page.items,
            )}\n${page.items.length} quarantined payload(s)${more(page)}`,
        );
        return 0;
      }
      case 'quarantine show': {
        const { body } = check(
          await call('GET', `/quarantine/${needId()}`),
          'GET /quarantine/{id}',
        );
        const detail = v.parse(
          v.object({
            id: v.string(),
            source: v.string(),
            receivedAt: v.string(),
            errors: v.array(v.object({ path: v.string(), message: v.string() })),
            payload: v.string(),
            replayedAt: v.optional(v.string()),
            payloadTruncated: v.optional(v.object({ bytes: v.number() })),
          }),
          body,
        );
        out(body, () =>
          [
            fields([
              ['id', detail.id],
              ['source', detail.source],
              ['received', detail.receivedAt],
              ['replayed', detail.replayedAt ?? 'no'],
              ...(detail.payloadTruncated
                ? [['payload', `excerpt of ${detail.payloadTruncated.bytes} bytes`] as const]
                : []),
            ]),
            '',
            table(
              [
                ['PATH', 'path'],
                ['ERROR', 'message'],
              ],
              detail.errors,
              200,
            ),
            '',
            'payload (tokens redacted):',
            detail.payload,
          ].join('\n'),
        );
        return 0;
      }
      case 'quarantine replay': {
        const answer = await call('POST', `/quarantine/${needId()}/replay`);
        if (answer.status === 422) {
          const refused = v.parse(
            v.object({
              message: v.string(),
              errors: v.optional(v.array(v.object({ path: v.string(), message: v.string() }))),
            }),
            answer.body,
          );
          io.printError(
            values.json
              ? JSON.stringify(answer.body, null, 2)
              : [
                  `not replayed: ${refused.message}`,
                  ...(refused.errors ?? []).map((error) => `  ${error.path}: ${error.message}`),
                ].join('\n'),
          );
          return 1;
        }
        const { body } = check(answer, 'POST /quarantine/{id}/replay');
        const result = v.parse(
          v.object({
            status: v.string(),
            queueMessageId: v.optional(v.string()),
            replayedAt: v.optional(v.string()),
            notes: v.optional(v.array(v.string())),
          }),
          body,
        );
        out(body, () =>
          [
            result.status === 'replayed'
              ? `replayed: queued as ${result.queueMessageId}`
              : `already replayed${result.replayedAt ? ` at ${result.replayedAt}` : ''}: nothing sent again`,
            ...(result.notes ?? []).map((note) => `note: ${note}`),
          ].join('\n'),
        );
        return 0;
      }
      case 'notices list': {
        const page = await listAll(
          call,
          '/notices',
          { limit: values.limit, cursor: values.cursor },
          values.all ?? false,
          'GET /notices',
        );
        out(
          page,
          () =>
            `${table(
              [
                ['RECEIVED', 'receivedAt'],
                ['CODE', 'code'],
                ['ENDPOINT', 'endpoint'],
                ['MESSAGE', 'message'],
              ],
              page.items,
            )}\n${page.items.length} notice(s)${more(page)}`,
        );
        return 0;
      }
      case 'dlq show': {
        const { body } = check(await call('GET', '/dlq', { sample: values.sample }), 'GET /dlq');
        const dlq = v.parse(
          v.object({
            count: v.number(),
            oldestSentAt: v.optional(v.string()),
            sample: v.array(v.record(v.string(), v.unknown())),
            redrive: ProgressSchema.entries.redrive,
          }),
          body,
        );
        out(body, () =>
          [
            fields([
              ['messages', dlq.count],
              ['oldest (of sample)', dlq.oldestSentAt ?? '-'],
              ['last redrive', `${dlq.redrive.status} (${dlq.redrive.moved} moved)`],
            ]),
            ...(dlq.sample.length
              ? [
                  '',
                  table(
                    [
                      ['SQS MESSAGE ID', 'sqsMessageId'],
                      ['SENT', 'sentAt'],
                      ['RECEIVES', 'receiveCount'],
                      ['WHAT', 'summary'],
                      ['WHY', 'diagnosis'],
                    ],
                    dlq.sample,
                    140,
                  ),
                ]
              : []),
          ].join('\n'),
        );
        return 0;
      }
      case 'dlq redrive': {
        const { body } = check(
          await call('POST', '/dlq/redrive', { rate: values.rate }),
          'POST /dlq/redrive',
        );
        if (values['no-wait']) {
          out(body, () => 'redrive started; follow it with `npm run ops -- dlq show`');
          return 0;
        }
        if (!values.json) io.print('redrive started');
        for (;;) {
          const progress = v.parse(
            ProgressSchema,
            check(await call('GET', '/dlq', { sample: '0' }), 'GET /dlq').body,
          );
          const { status, moved, toMove, failureReason } = progress.redrive;
          if (!values.json) {
            io.print(
              `${status.toLowerCase()}: ${moved}${toMove === undefined ? '' : `/${toMove}`} moved, ${progress.count} left in the DLQ`,
            );
          }
          if (status !== 'RUNNING') {
            if (values.json) io.print(JSON.stringify(progress, null, 2));
            if (status === 'FAILED')
              throw new OpsError(`redrive failed: ${failureReason ?? 'no reason given'}`);
            return 0;
          }
          await sleep(1000);
        }
      }
      default:
        io.printError(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof OpsError) {
      io.printError(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
};

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      state: { type: 'string' },
      organization: { type: 'string' },
      location: { type: 'string' },
      service: { type: 'string' },
      source: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
      sample: { type: 'string' },
      rate: { type: 'string' },
      'no-wait': { type: 'boolean' },
    },
  });
