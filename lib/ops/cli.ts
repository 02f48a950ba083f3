import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { createOpsClient, needsSigning, OpsError } from './client.ts';
import {
  type Command,
  type CommandContext,
  check,
  GLOBAL_OPTIONS,
  OPTIONS,
  type OptionValues,
  usageLine,
} from './command.ts';
import { COMMANDS } from './commands.ts';
import { requestOf } from './routes.ts';
import { checkSecrets, type SecretsCheckIo } from './secrets-check.ts';
import { runSmokeCommand } from './smoke.ts';
import { readStageOutputs, stageOutput } from './stage-outputs.ts';

/**
 * `npm run ops -- <command>`: the operator toolkit over the HTTP API, against the local
 * runtime (default) or a deployed stage (`--stage`, or `--url`), SigV4-signed for the cloud.
 */

export const USAGE = `usage: npm run ops -- <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${usageLine(name, command)}`)
  .join('\n')}
  smoke [--secret S] [--timeout SECONDS]   (a stage end to end; \`smoke --help\` says more)
  secrets check                   checks the stage secret (--stage) or the local variables; prints no value

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
  readonly stageSecretId?: SecretsCheckIo['stageSecretId'];
}

/** The output naming the stage's API base URL. */
export const API_URL_OUTPUT = 'ApiUrl';

const readStageUrl = async (stage: string, region: string | undefined): Promise<string> =>
  stageOutput(await readStageOutputs(stage, region), stage, API_URL_OUTPUT);

/**
 * The host requests may be signed for: none for the local runtime (loopback, unsigned), else
 * only the stage's own API host, from its stack outputs. A `--url` elsewhere is refused,
 * so AWS credentials never sign for a host an operator was handed.
 */
const signingHost = (baseUrl: string, stageUrl: string | undefined): string | undefined => {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new OpsError(`not a URL: ${baseUrl}`, { cause: error });
  }
  if (!needsSigning(baseUrl)) return undefined;
  if (stageUrl === undefined) {
    throw new OpsError(
      `refusing to sign for ${url.host}: the CLI signs only for a stage's own API host, read from its stack outputs (use --stage NAME), or talks unsigned to the local runtime on loopback`,
    );
  }
  const stageHost = new URL(stageUrl).host;
  if (url.host !== stageHost) {
    throw new OpsError(
      `refusing to sign for ${url.host}: stage's API host is ${stageHost} (from its stack outputs); drop --url or make it match`,
    );
  }
  return stageHost;
};

const regionOf = (url: string): string | undefined =>
  /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];

/** The command named by the first positionals (the longest name that matches), and the rest. */
const lookup = (
  positionals: readonly string[],
): { name: string; command: Command; args: readonly string[] } | undefined => {
  for (let words = Math.min(positionals.length, 3); words > 0; words--) {
    const name = positionals.slice(0, words).join(' ');
    const command = COMMANDS[name];
    if (command) return { name, command, args: positionals.slice(words) };
  }
  return undefined;
};

/** Runs one command; resolves to the exit code. */
export const runOps = async (argv: readonly string[], io: CliIo): Promise<number> => {
  if (argv[0] === 'smoke') {
    return runSmokeCommand(argv.slice(1), {
      ...io,
      ...(io.fetchImpl ? { deps: { fetchImpl: io.fetchImpl } } : {}),
    });
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.printError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const values = parsed.values as OptionValues;
  const { positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.print(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals.join(' ') === 'secrets check') {
    try {
      return await checkSecrets(
        { stage: values.stage, region: values.region ?? io.env.AWS_REGION },
        io,
      );
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      io.printError(`error: ${error.message}`);
      return 1;
    }
  }
  const found = lookup(positionals);
  if (!found) {
    io.printError(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const accepted = new Set<string>([...GLOBAL_OPTIONS, ...(found.command.options ?? [])]);
  const refused = Object.keys(values).filter((option) => !accepted.has(option));
  if (refused.length > 0) {
    io.printError(
      `${refused.map((option) => `--${option}`).join(', ')} does not apply to ${found.name}\nusage: npm run ops -- ${usageLine(found.name, found.command)}`,
    );
    return 2;
  }
  const sleep = io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  try {
    const region = values.region ?? io.env.AWS_REGION;
    const stageUrl = values.stage
      ? await (io.stageUrl ?? readStageUrl)(values.stage, region)
      : undefined;
    const baseUrl = values.url ?? stageUrl ?? `http://127.0.0.1:${io.env.PORT ?? '3000'}`;
    const signHost = signingHost(baseUrl, stageUrl);
    const signRegion = signHost ? (region ?? regionOf(baseUrl)) : undefined;
    if (signHost && !signRegion) {
      throw new OpsError('cannot tell the region to sign for: pass --region or set AWS_REGION');
    }
    const client = createOpsClient({
      baseUrl,
      ...(signRegion && signHost ? { signRegion, signHost } : {}),
      ...(io.fetchImpl ? { fetchImpl: io.fetchImpl } : {}),
    });
    const request: CommandContext['request'] = (route, input = {}) => {
      const { method, path } = requestOf(route, input.id);
      return client(method, path, input.query, input.body);
    };
    return await found.command.run({
      values,
      baseUrl,
      args: found.args,
      request,
      call: async (route, schema, input) =>
        v.parse(schema, check(await request(route, input), route).body),
      out: (body, text) => io.print(values.json ? JSON.stringify(body, null, 2) : text()),
      print: io.print,
      printError: io.printError,
      sleep,
    });
  } catch (error) {
    if (error instanceof OpsError) {
      io.printError(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
};

const parse = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
