import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type ReportInput, renderTable } from '../../bench/report.ts';

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('documented figures', () => {
  it('shows the performance and cost table of the committed bench results, as the bench renders it', async () => {
    const results = JSON.parse(await read('bench/results.json')) as ReportInput;
    expect(await read('docs/performance.md')).toContain(renderTable(results));
  });

  it('states no cost total of its own: the per-million figure comes from the bench alone', async () => {
    for (const page of ['README.md', 'docs/deploy.md', 'docs/performance.md']) {
      const totals = (await read(page)).match(/\*\*(?:total|≈ \$)[^*]*\*\*/g) ?? [];
      expect(totals, page).toEqual([]);
    }
  });
});
