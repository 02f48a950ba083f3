import * as v from 'valibot';
import { ErrorAnswer, ListPageAnswer } from '../../functions/ops/routes/answers.ts';
import type { OpsAnswer } from './client.ts';
import { OpsError } from './client.ts';
import { table, valueAt } from './format.ts';
import type { CliRoute } from './routes.ts';

/**
 * What a command of the operator CLI is: the route it calls, the options it takes, and how it
 * renders the answer. `commands.ts` holds one entry per command; `cli.ts` parses, looks the
 * command up, and runs it.
 */

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** The placeholder in the usage text (`--state S`). */
  readonly arg?: string;
}

/** Every option any command takes; each command lists those that apply to it. */
export const OPTIONS = {
  url: { type: 'string', arg: 'URL' },
  stage: { type: 'string', arg: 'NAME' },
  region: { type: 'string', arg: 'R' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  state: { type: 'string', arg: 'S' },
  organization: { type: 'string', arg: 'O' },
  location: { type: 'string', arg: 'L' },
  service: { type: 'string', arg: 'F' },
  source: { type: 'string', arg: 'happycolis|delivery-errors' },
  limit: { type: 'string', arg: 'N' },
  cursor: { type: 'string', arg: 'C' },
  all: { type: 'boolean' },
  sample: { type: 'string', arg: 'N' },
  rate: { type: 'string', arg: 'N' },
  'no-wait': { type: 'boolean' },
  endpoint: { type: 'string', arg: 'URL' },
  header: { type: 'string', multiple: true, arg: 'Name=Value' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** Options every command takes: where the API is, and how to print. */
export const GLOBAL_OPTIONS = ['url', 'stage', 'region', 'json', 'help'] as const;

/** The parsed options, typed from `OPTIONS`. */
export type OptionValues = {
  readonly [K in OptionName]?: (typeof OPTIONS)[K] extends { readonly type: 'boolean' }
    ? boolean
    : (typeof OPTIONS)[K] extends { readonly multiple: true }
      ? string[]
      : string;
};

/** One request to a route: the `{id}` to put in its path, the query string, a JSON body. */
export interface RouteInput {
  readonly id?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}

export interface CommandContext {
  readonly values: OptionValues;
  /** The API the CLI talks to (the local runtime, or the stage's URL). */
  readonly baseUrl: string;
  /** The positional arguments after the command's name. */
  readonly args: readonly string[];
  /** The answer as it came, whatever its status. */
  readonly request: (route: CliRoute, input?: RouteInput) => Promise<OpsAnswer>;
  /** The body of a 2xx answer, parsed with `schema`; any other status becomes an `OpsError`. */
  readonly call: <S extends v.GenericSchema>(
    route: CliRoute,
    schema: S,
    input?: RouteInput,
  ) => Promise<v.InferOutput<S>>;
  /** Prints `body` as JSON with `--json`, else `text()`. */
  readonly out: (body: unknown, text: () => string) => void;
  readonly print: (text: string) => void;
  readonly printError: (text: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface Command {
  /** The route the command calls (the first, when it calls several). */
  readonly route: CliRoute;
  /** Positional arguments in the usage text, e.g. `<id>`. */
  readonly args?: string;
  /** The options it takes besides `GLOBAL_OPTIONS`; any other is refused. */
  readonly options?: readonly OptionName[];
  /** Resolves to the exit code. */
  readonly run: (context: CommandContext) => Promise<number>;
}

/** The usage line of a command: its name, arguments and options. */
export const usageLine = (name: string, command: Command): string =>
  [
    name,
    ...(command.args ? [command.args] : []),
    ...(command.options ?? []).map((option) => {
      const spec: OptionSpec = OPTIONS[option];
      const text = spec.arg ? `--${option} ${spec.arg}` : `--${option}`;
      return spec.multiple ? `[${text}]…` : `[${text}]`;
    }),
  ].join(' ');

/** Turns an answer that is not 2xx into an actionable error. */
export const check = (answer: OpsAnswer, what: string): OpsAnswer => {
  if (answer.status >= 200 && answer.status < 300) return answer;
  const parsed = v.safeParse(ErrorAnswer, answer.body);
  const message = parsed.success ? parsed.output.message : String(answer.body).slice(0, 200);
  if (answer.status === 403) {
    throw new OpsError(
      `403 forbidden (${what}): your IAM identity may not invoke this route, or the request was not signed for this API (${message}); docs/operations.md, "Read and write, separately, with IAM", lists the policies`,
    );
  }
  throw new OpsError(`${answer.status} (${what}): ${message}`);
};

/** The positional id a command needs. */
export const needId = (context: CommandContext, name: string): string => {
  const [id] = context.args;
  if (!id) throw new OpsError(`${name} needs an id`);
  return id;
};

type ListRoute = Extract<CliRoute, `GET ${string}`>;

/**
 * A list command: the options it maps onto the route's filters (named as the server's filter
 * schema names them, so a misspelt filter does not compile), the columns it shows, and what
 * one item is called.
 */
export const listCommand = <S extends v.ObjectSchema<v.ObjectEntries, undefined>>(spec: {
  readonly route: ListRoute;
  readonly filterSchema: S;
  readonly filters: { readonly [O in OptionName]?: keyof S['entries'] & string };
  readonly columns: readonly (readonly [header: string, key: string])[];
  /** Columns shown only when some item has a value for them. */
  readonly optionalColumns?: readonly (readonly [header: string, key: string])[];
  readonly noun: string;
}): Command => {
  const filterOptions = Object.keys(spec.filters) as OptionName[];
  return {
    route: spec.route,
    options: [...filterOptions, 'limit', 'cursor', 'all'],
    run: async (context) => {
      const { values } = context;
      const query: Record<string, string | undefined> = { limit: values.limit };
      for (const option of filterOptions) {
        const name = spec.filters[option];
        const value = values[option];
        if (name && typeof value === 'string') query[name] = value;
      }
      const items: Record<string, unknown>[] = [];
      let cursor = values.cursor;
      for (;;) {
        const page = await context.call(spec.route, ListPageAnswer, {
          query: { ...query, cursor },
        });
        items.push(...page.items);
        cursor = page.cursor;
        if (!values.all || cursor === undefined) break;
      }
      const page = { items, ...(cursor ? { cursor } : {}) };
      const shown = (spec.optionalColumns ?? []).filter(([, key]) =>
        items.some((item) => valueAt(item, key) !== undefined),
      );
      context.out(
        page,
        () =>
          `${table([...spec.columns, ...shown], items)}\n${items.length} ${spec.noun}${
            cursor ? `\nmore: --cursor ${cursor} (or --all)` : ''
          }`,
      );
      return 0;
    },
  };
};
