import { readFile, writeFile } from 'node:fs/promises';
import * as v from 'valibot';
import { type ReportInput, renderTable } from '../bench/report.ts';

/**
 * `npm run bench:docs`: rewrites the Performance page's table and its "Latest run" line
 * from `bench/results.json`, so the page shows what the last run measured and nothing typed.
 */

const PAGE = new URL('../docs/performance.md', import.meta.url);
const RESULTS = new URL('../bench/results.json', import.meta.url);

const Run = v.looseObject({
  generatedAt: v.string(),
  durationS: v.number(),
  machine: v.object({ nproc: v.number(), node: v.string(), cpu: v.string() }),
});

const raw: unknown = JSON.parse(await readFile(RESULTS, 'utf8'));
const run = v.parse(Run, raw);
const readme = await readFile(PAGE, 'utf8');
const table = /^\| metric .*\n(?:\|.*\n)+/m;
if (!table.test(readme)) throw new Error('docs/performance.md has no table to replace');
const line = /^Latest run \(.*\n.*in total\.$/m;
if (!line.test(readme)) throw new Error('docs/performance.md has no "Latest run" line to replace');
const { machine } = run;
const updated = readme
  .replace(table, `${renderTable(raw as ReportInput)}\n`)
  .replace(
    line,
    `Latest run (${run.generatedAt.slice(0, 10)}): ${machine.nproc} cores (\`nproc\` ${machine.nproc}), ${machine.cpu}, Node ${machine.node},\n${Math.round(run.durationS)} s in total.`,
  );
await writeFile(PAGE, updated);
console.log('docs/performance.md: table and latest-run line updated from bench/results.json');
