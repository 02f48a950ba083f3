import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/definitions/service.ts';
import type { Progress } from './progress.ts';
import { median, ratio, round } from './stats.ts';

/**
 * Bundle weight per function, as deployed: each `functions/<name>/handler.ts` is bundled with
 * the options of the stack's function construct (`lib/cloud/constructs/lambda-function.ts` on the
 * `cdk` branch: NodejsFunction with `bundleAwsSDK: true`, so the SDK is inside the bundle),
 * then imported in fresh Node processes as a cold-start proxy. Both are compared with a
 * bundle that only sends one SQS message (`baseline/sqs-send-handler.ts`).
 */

export interface BundleFigures {
  readonly bytes: number;
  readonly ratio: number;
  readonly importMs: number;
  readonly importRatio: number;
}

export interface BundleResult {
  readonly functions: Readonly<Record<string, BundleFigures>>;
  readonly baseline: { readonly bytes: number; readonly importMs: number };
  readonly spawns: number;
}

const ROOT = new URL('../', import.meta.url);
const BASELINE = 'baseline';

/** What NodejsFunction passes to esbuild for this project's functions. */
const DEPLOYED_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  keepNames: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies call require(); ESM output has none without this.
  banner: {
    js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  },
  // Deployed with source maps in a separate file: the .mjs size is what Lambda loads.
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'error',
};

/**
 * What the handlers read at load time, so top-level config parsing succeeds without network:
 * credentials come from plain variables (not Secrets Manager ids), endpoints are never called.
 */
const IMPORT_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  QUEUE_URL: 'http://127.0.0.1:9/000000000000/integration-events',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/000000000000/integration-events-dlq',
  DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:integration-events-dlq',
  TABLE_NAME: 'fulfillment-integrations',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:integration-alerts',
  HAPPYCOLIS_SECRETS: 'bench-secret',
  WEBHOOK_TOKENS: 'bench-token',
  SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/slack',
  ALERT_CHANNEL: 'slack',
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/** Prints the ms `import()` of the bundle took; the process exits at once after. */
const LOADER = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
process.exit(0);
`;

const timeImport = (file: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', LOADER, pathToFileURL(file).href],
      // PATH only from the parent: no AWS profile or endpoint variables leak into the import.
      { env: { PATH: process.env.PATH ?? '', ...IMPORT_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(out);
      if (code === 0 && Number.isFinite(ms) && out.length > 0) resolve(ms);
      else reject(new Error(`importing ${file} failed (exit ${code}): ${err.slice(0, 500)}`));
    });
  });

/** Every function with a deployable entry, as the stack finds them. */
const handlerEntries = async (): Promise<Record<string, string>> => {
  const functionsDir = new URL('functions/', ROOT);
  const entries: Record<string, string> = {};
  // A function's folder, or one level down (`alerting/notifier`).
  const folders = (await readdir(functionsDir, { recursive: true }))
    .filter((path) => path.split('/').length <= 2)
    .sort();
  for (const name of folders) {
    const entry = new URL(`${name}/handler.ts`, functionsDir);
    if (
      await stat(entry)
        .then((s) => s.isFile())
        .catch(() => false)
    ) {
      entries[name] = entry.pathname;
    }
  }
  return entries;
};

export const measureBundles = async (options: {
  readonly spawns: number;
  readonly progress: Progress;
}): Promise<BundleResult> => {
  const outDir = await mkdtemp(join(tmpdir(), 'fiw-bench-bundles-'));
  try {
    const entries = {
      ...(await handlerEntries()),
      [BASELINE]: new URL('bench/baseline/sqs-send-handler.ts', ROOT).pathname,
    };
    const files: Record<string, string> = {};
    const bytes: Record<string, number> = {};
    for (const [name, entry] of Object.entries(entries)) {
      options.progress.update(`bundling ${name}`);
      const outfile = join(outDir, name, 'index.mjs');
      await build({ ...DEPLOYED_OPTIONS, entryPoints: [entry], outfile });
      files[name] = outfile;
      bytes[name] = (await stat(outfile)).size;
    }
    // Round-robin over the bundles so a slow moment of the machine hits all of them alike.
    const samples: Record<string, number[]> = {};
    for (let pass = 0; pass < options.spawns; pass++) {
      for (const [name, file] of Object.entries(files)) {
        options.progress.update(`importing ${name} (${pass + 1}/${options.spawns})`);
        samples[name] ??= [];
        samples[name].push(await timeImport(file));
      }
    }
    const importMs = (name: string) => median(samples[name] ?? []);
    const baselineBytes = bytes[BASELINE] ?? 0;
    const baselineImportMs = importMs(BASELINE);
    const functions: Record<string, BundleFigures> = {};
    for (const name of Object.keys(files)) {
      if (name === BASELINE) continue;
      functions[name] = {
        bytes: bytes[name] ?? 0,
        ratio: ratio(bytes[name] ?? 0, baselineBytes),
        importMs: round(importMs(name), 1),
        importRatio: ratio(importMs(name), baselineImportMs),
      };
    }
    return {
      functions,
      baseline: { bytes: baselineBytes, importMs: round(baselineImportMs, 1) },
      spawns: options.spawns,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};
