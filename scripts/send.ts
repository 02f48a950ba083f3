import { parseArgs } from 'node:util';
import { parseList } from '../functions/config.ts';
import { ReceiverError } from '../functions/core/errors.ts';
import { SIGNATURE_HEADER, sign } from '../functions/core/signature.ts';
import { ROUTES } from '../functions/definitions/routes.ts';
import { DEFAULT_PORT, DEV_HAPPYCOLIS_SECRET, DEV_WEBHOOK_TOKEN } from '../lib/local/config.ts';
import { isSampleEvent, sampleBody } from '../lib/local/samples.ts';

/**
 * `npm run send -- <event> [options]`: posts a signed sample webhook (or a delivery-error
 * notice) to a running receiver and prints the answer. The samples are the documented ones in
 * `lib/local/samples/`; without overrides their bytes are sent exactly as printed.
 */

const USAGE = `Usage:
  npm run send -- <created|accepted|rejected|errored> [options]
  npm run send -- delivery-error [--code <code>] [--endpoint <url>] [--message <text>] [options]

Sends a documented HappyColis sample, signed with base64(HMAC-SHA256(secret, body)) in
${SIGNATURE_HEADER}, to <url>/webhooks/happycolis; or a {code, endpoint, message}
notice with "Authorization: Bearer <token>" to <url>/webhooks/delivery-errors.

Options:
  --id <integrationId>   integration id (body.id) instead of the sample's
  --date <ISO>           event date (header.date) instead of the sample's
  --message-id <id>      header.messageId instead of the sample's (a resend)
  --secret <secret>      signing secret [first of HAPPYCOLIS_SECRETS, else ${DEV_HAPPYCOLIS_SECRET}]
  --token <token>        bearer token  [first of WEBHOOK_TOKENS, else ${DEV_WEBHOOK_TOKEN}]
  --url <base>           receiver base URL [http://127.0.0.1:\${PORT:-${DEFAULT_PORT}}]
  -h, --help             this text

Exit status: 0 on a 2xx answer, 1 on any other answer or no answer, 2 on bad arguments.`;

class UsageError extends ReceiverError {
  constructor(message: string) {
    super(message);
  }
}

const firstOf = (list: string | undefined): string | undefined => parseList(list)[0];

const parseCommandLine = (args: string[]) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      id: { type: 'string' },
      date: { type: 'string' },
      'message-id': { type: 'string' },
      secret: { type: 'string' },
      token: { type: 'string' },
      url: { type: 'string' },
      code: { type: 'string' },
      endpoint: { type: 'string' },
      message: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true as const };
  const [command, ...extra] = positionals;
  if (!command) throw new UsageError('which event? name one');
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
  const target = isSampleEvent(command)
    ? ({ kind: 'sample', event: command } as const)
    : command === 'delivery-error'
      ? ({ kind: 'notice' } as const)
      : undefined;
  if (!target) throw new UsageError(`unknown event "${command}"`);
  if (values.date !== undefined && Number.isNaN(Date.parse(values.date))) {
    throw new UsageError(`--date "${values.date}" is not an ISO 8601 date`);
  }
  for (const name of ['id', 'message-id', 'secret', 'token'] as const) {
    if (values[name] !== undefined && values[name].trim() === '') {
      throw new UsageError(`--${name} is empty`);
    }
  }
  const base = values.url ?? `http://127.0.0.1:${process.env.PORT || DEFAULT_PORT}`;
  if (!URL.canParse(base)) throw new UsageError(`--url "${base}" is not a URL`);
  return { help: false as const, target, values, base: base.replace(/\/+$/, '') };
};

const post = async (url: string, headers: Record<string, string>, body: string) => {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  console.log(`${response.status} ${response.statusText}`);
  if (text) console.log(text);
  return response.ok;
};

const run = async (args: string[]): Promise<number> => {
  let cli: ReturnType<typeof parseCommandLine>;
  try {
    cli = parseCommandLine(args);
  } catch (error) {
    // parseArgs throws TypeErrors (with a code) for unknown or malformed options.
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  const { target, values, base } = cli;
  try {
    if (target.kind === 'notice') {
      const token = values.token ?? firstOf(process.env.WEBHOOK_TOKENS) ?? DEV_WEBHOOK_TOKEN;
      const notice = {
        code: values.code ?? 503,
        endpoint: values.endpoint ?? `${base}${ROUTES.happycolis}`,
        message: values.message ?? 'three consecutive deliveries failed (sample notice)',
      };
      const url = `${base}${ROUTES.deliveryErrors}`;
      console.log(`POST ${url}`);
      const ok = await post(
        url,
        { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        JSON.stringify(notice),
      );
      return ok ? 0 : 1;
    }
    const secret =
      values.secret ?? firstOf(process.env.HAPPYCOLIS_SECRETS) ?? DEV_HAPPYCOLIS_SECRET;
    const body = await sampleBody(target.event, {
      id: values.id,
      date: values.date,
      messageId: values['message-id'],
    });
    const url = `${base}${ROUTES.happycolis}`;
    console.log(`POST ${url} (${target.event} sample, ${Buffer.byteLength(body)} bytes, signed)`);
    const ok = await post(
      url,
      { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, body) },
      body,
    );
    return ok ? 0 : 1;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    console.error(
      `No answer from ${base}: ${cause instanceof Error ? cause.message : String(cause)}` +
        '\nIs the receiver running (npm start)?',
    );
    return 1;
  }
};

process.exitCode = await run(process.argv.slice(2));
