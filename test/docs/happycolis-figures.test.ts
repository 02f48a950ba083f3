import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HAPPYCOLIS_API_RATE } from '../../functions/happycolis/settings.ts';
import { sweepCostTable } from '../../functions/reconciler/cost.ts';

describe('docs/happycolis.md', () => {
  it('shows the sweep cost table the cost model derives from the settings', async () => {
    const page = await readFile(new URL('../../docs/happycolis.md', import.meta.url), 'utf8');
    const table = /<!-- sweep-cost-table -->\n([\s\S]*?)\n<!-- \/sweep-cost-table -->/.exec(
      page,
    )?.[1];
    expect(table).toBe(sweepCostTable(DEFAULT_HAPPYCOLIS_API_RATE));
  });
});
