import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The dependency rules in `biome.json` (restricted imports per folder, and the GritQL plugin
 * that keeps `functions/core` free of the clock and the environment), proven to fire: each
 * probe file breaks one rule, the clean ones break none. The probes are linted in a scratch
 * copy of the repository's Biome configuration, at the same relative paths, so the rules see
 * the folders they guard and the repository itself is never touched.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The start of each rule's message in `biome.json` and `biome/core-is-pure.grit`. */
const RULE = {
  lib: 'Lambda code never imports the deployment folder (lib/).',
  test: 'Nothing imports test/',
  pure: 'time and environment come in as arguments',
  domain: 'functions/alerting/domain is pure, like functions/core',
  core: 'functions/core is pure',
  adapter: 'An adapter never imports another adapter',
  below: 'functions/core is below the functions',
  definitions: 'functions/definitions is the bottom layer',
} as const;

/** Each probe: its path in the repository, its code, and the message its violation reports. */
const VIOLATIONS: readonly { path: string; code: string; message: string }[] = [
  {
    path: 'functions/ingest/imports-lib.ts',
    code: "import { ROUTES } from '../../lib/cloud/settings.ts';\nexport const r = ROUTES;\n",
    message: RULE.lib,
  },
  {
    path: 'functions/core/imports-adapter.ts',
    code: "import { SqsEventQueue } from '../adapters/sqs-event-queue.ts';\nexport const q = SqsEventQueue;\n",
    message: RULE.core,
  },
  {
    path: 'functions/core/imports-sdk.ts',
    code: "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const c = SQSClient;\n",
    message: RULE.core,
  },
  {
    path: 'functions/core/imports-process.ts',
    code: "import { env } from 'node:process';\nexport const e = env;\n",
    message: RULE.pure,
  },
  {
    path: 'functions/core/imports-handler.ts',
    code: "import { ROUTES } from '../ingest/ingest.ts';\nexport const r = ROUTES;\n",
    message: RULE.below,
  },
  {
    path: 'functions/core/reads-clock.ts',
    code: 'export const now = (): number => Date.now();\n',
    message: RULE.pure,
  },
  {
    path: 'functions/core/builds-now.ts',
    code: 'export const now = (): Date => new Date();\n',
    message: RULE.pure,
  },
  {
    path: 'functions/core/reads-env.ts',
    code: 'export const region = (): string | undefined => process.env.AWS_REGION;\n',
    message: RULE.pure,
  },
  {
    path: 'functions/core/imports-alerting.ts',
    code: "import { createAlertGroups } from '../alerting/alert-groups.ts';\nexport const g = createAlertGroups;\n",
    message: RULE.below,
  },
  {
    path: 'functions/alerting/domain/imports-channel.ts',
    code: "import { slackChannel } from '../channels/slack.ts';\nexport const c = slackChannel;\n",
    message: RULE.domain,
  },
  {
    path: 'functions/alerting/domain/imports-groups.ts',
    code: "import { createAlertGroups } from '../alert-groups.ts';\nexport const g = createAlertGroups;\n",
    message: RULE.domain,
  },
  {
    path: 'functions/alerting/domain/imports-sdk.ts',
    code: "import { SNSClient } from '@aws-sdk/client-sns';\nexport const c = SNSClient;\n",
    message: RULE.domain,
  },
  {
    path: 'functions/alerting/domain/reads-clock.ts',
    code: 'export const now = (): number => Date.now();\n',
    message: RULE.pure,
  },
  {
    path: 'functions/adapters/imports-store.ts',
    code: "import { DynamoIntegrationStore } from './dynamo-integration-store.ts';\nexport const s = DynamoIntegrationStore;\n",
    message: RULE.adapter,
  },
  {
    path: 'functions/definitions/imports-core.ts',
    code: "import { EVENT_TYPES } from '../core/events.ts';\nexport const t = EVENT_TYPES;\n",
    message: RULE.definitions,
  },
  {
    path: 'lib/local/imports-test.ts',
    code: "import { seedSample } from '../../test/support/seeds.ts';\nexport const s = seedSample;\n",
    message: RULE.test,
  },
  {
    path: 'scripts/imports-test.ts',
    code: "import { seedSample } from '../test/support/seeds.ts';\nexport const s = seedSample;\n",
    message: RULE.test,
  },
  {
    path: 'functions/processor/imports-test.ts',
    code: "import { seedSample } from '../../test/support/seeds.ts';\nexport const s = seedSample;\n",
    message: RULE.test,
  },
];

/** Imports and calls each rule allows. */
const CLEAN: readonly { path: string; code: string }[] = [
  {
    path: 'functions/core/clean.ts',
    code: [
      "import { historyKey } from '../definitions/table-keys.ts';",
      "import { EVENT_TYPES } from './events.ts';",
      'export const at = (iso: string): Date => new Date(iso);',
      'export const both = [historyKey, EVENT_TYPES];',
      '',
    ].join('\n'),
  },
  {
    path: 'functions/alerting/domain/clean.ts',
    code: [
      "import { EVENT_TYPES } from '../../core/events.ts';",
      "import { retention } from '../../definitions/resources.ts';",
      "import { ALERT_KIND_SPECS } from './kinds.ts';",
      'export const at = (iso: string): Date => new Date(iso);',
      'export const all = [EVENT_TYPES, retention, ALERT_KIND_SPECS];',
      '',
    ].join('\n'),
  },
  {
    path: 'functions/adapters/clean.ts',
    code: [
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      "import type { IntegrationStore } from '../core/ports.ts';",
      "import { conditionally } from './conditional-write.ts';",
      "import { putOnce } from './put-once.ts';",
      'export type Store = IntegrationStore;',
      'export const all = [DynamoDBDocumentClient, conditionally, putOnce];',
      '',
    ].join('\n'),
  },
  {
    path: 'functions/ingest/clean.ts',
    code: [
      "import { SQSClient } from '@aws-sdk/client-sqs';",
      "import { ROUTES } from '../definitions/routes.ts';",
      'export const all = [SQSClient, ROUTES, Date.now(), process.env.QUEUE_URL];',
      '',
    ].join('\n'),
  },
  {
    path: 'test/e2e/clean.ts',
    code: [
      "import { sampleText } from '../../lib/local/samples.ts';",
      "import { seedSample } from '../support/seeds.ts';",
      'export const all = [sampleText, seedSample];',
      '',
    ].join('\n'),
  },
];

const ReportSchema = v.object({
  diagnostics: v.array(v.object({ message: v.string(), location: v.object({ path: v.string() }) })),
});

describe('dependency boundaries (biome.json)', () => {
  let scratch: string;
  let messages: Map<string, string[]>;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'boundaries-'));
    await cp(join(ROOT, 'biome.json'), join(scratch, 'biome.json'));
    await cp(join(ROOT, 'biome'), join(scratch, 'biome'), { recursive: true });
    for (const probe of [...VIOLATIONS, ...CLEAN]) {
      await mkdir(join(scratch, dirname(probe.path)), { recursive: true });
      await writeFile(join(scratch, probe.path), probe.code);
    }
    const run = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'biome'),
      ['lint', '--reporter=json', '--max-diagnostics=none', 'functions', 'lib', 'scripts', 'test'],
      { cwd: scratch, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(1);
    const report = v.parse(ReportSchema, JSON.parse(run.stdout));
    messages = new Map();
    for (const { message, location } of report.diagnostics) {
      messages.set(location.path, [...(messages.get(location.path) ?? []), message]);
    }
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it.each(VIOLATIONS)('reports $path', ({ path, message }) => {
    expect(messages.get(path) ?? []).toEqual(
      expect.arrayContaining([expect.stringContaining(message)]),
    );
  });

  it.each(CLEAN)('accepts $path', ({ path }) => {
    expect(messages.get(path)).toBeUndefined();
  });
});
