import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type ReportInput, renderTable } from '../../bench/report.ts';

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('README figures', () => {
  it('shows the performance and cost table of the committed bench results, as the bench renders it', async () => {
    const results = JSON.parse(await read('bench/results.json')) as ReportInput;
    expect(await read('README.md')).toContain(renderTable(results));
  });

  it('states no cost total of its own: the per-million figure comes from the bench alone', async () => {
    const readme = await read('README.md');
    const totals = readme.match(/\*\*(?:total|≈ \$)[^*]*\*\*/g) ?? [];
    expect(totals).toEqual([]);
  });
});
