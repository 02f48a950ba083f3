import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_OPTIONS } from './support.ts';

/**
 * The real thing, once: `cdk synth` through the pinned CLI, with every function bundled by
 * the local esbuild (no Docker, no network), cdk-nag registered as in lib/app.ts.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');

interface Bundle {
  readonly path: string;
  readonly dir: string;
}

describe('cdk synth', () => {
  let output: string;
  let run: ReturnType<typeof spawnSync>;
  let seconds: number;
  let template: { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
  let bundles: Bundle[];

  beforeAll(() => {
    output = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
    const context = Object.entries(FULL_OPTIONS).flatMap(([key, value]) => [
      '-c',
      `${key}=${value}`,
    ]);
    const started = performance.now();
    run = spawnSync(CDK, ['synth', '--quiet', '--no-notices', '--output', output, ...context], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      timeout: 170_000,
    });
    seconds = (performance.now() - started) / 1000;
    const templatePath = join(output, 'FulfillmentWebhooks-dev.template.json');
    template = existsSync(templatePath)
      ? JSON.parse(readFileSync(templatePath, 'utf8'))
      : { Resources: {} };
    bundles = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((resource) => ({
        path: resource.Metadata?.['aws:cdk:path'] ?? '?',
        dir: join(output, resource.Metadata?.['aws:asset:path'] ?? 'missing'),
      }));
    const sizes = bundles.map((bundle) => {
      const kib = (file: string) => (statSync(join(bundle.dir, file)).size / 1024).toFixed(1);
      return `${bundle.path.split('/').slice(1, -1).join('/')}: index.mjs ${kib('index.mjs')} KiB, map ${kib('index.mjs.map')} KiB`;
    });
    console.info(`cdk synth took ${seconds.toFixed(1)} s\n${sizes.join('\n')}`);
  }, 180_000);

  afterAll(() => {
    rmSync(output, { recursive: true, force: true });
  });

  it('succeeds', () => {
    expect(run.error).toBeUndefined();
    expect(run.stderr).not.toMatch(/AwsSolutions-/);
    expect(run.status, String(run.stderr)).toBe(0);
  });

  it('bundles all five functions as minified ESM with source maps', () => {
    expect(bundles).toHaveLength(5);
    for (const bundle of bundles) {
      const code = readFileSync(join(bundle.dir, 'index.mjs'), 'utf8');
      expect(code, bundle.path).toMatch(
        /^import \{ createRequire \} from 'module'; const require = createRequire\(import\.meta\.url\);/,
      );
      expect(code, bundle.path).toMatch(/\bexport\s*\{/);
      // Unminified esbuild output indents most lines; minified output only has the odd
      // indented line inside a template literal.
      const lines = code.split('\n');
      const indented = lines.filter((line) => /^\s+\S/.test(line)).length;
      expect(indented / lines.length, bundle.path).toBeLessThan(0.2);
      expect(code, bundle.path).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(bundle.dir, 'index.mjs.map')), bundle.path).toBe(true);
    }
  });

  it('reports no cdk-nag violation in the validation report', () => {
    const report = JSON.parse(readFileSync(join(output, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
  });

  it('finishes within a minute on two cores', () => {
    expect(seconds).toBeLessThan(60);
  });
});
