import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SAMPLE_EVENTS, sampleText } from '../../lib/local/samples.ts';

/**
 * The fixtures are the HappyColis documentation's samples byte for byte (`accepted` built from
 * the documented contract): the receiver must accept them exactly as printed, including the
 * unindented layout of two of them. A formatter rewriting them would hide a whitespace or
 * signature bug, so their bytes are pinned here; `biome.json` leaves them alone.
 */
const SHA256: Readonly<Record<(typeof SAMPLE_EVENTS)[number], string>> = {
  created: '1065ceaf3244ac586169d30207d256b1a5f736512f2fe8465442c9f1b9ac97de',
  accepted: '9d83375ee696953ad947626f29bd020b0b497c313a02f830566f530045a6b068',
  rejected: '4c39c6b9c43af1ef16f6119a12f9dc3c340559987f3d10ca363d7736553922e0',
  errored: '84a9b08dcc0ccc7b6da619d561222e68e7dd19ae1c0109057a84a3bde4e8a7eb',
};

describe('sample fixtures', () => {
  it.each(SAMPLE_EVENTS)('keeps the %s sample exactly as documented', async (event) => {
    const text = await sampleText(event);
    expect(createHash('sha256').update(text).digest('hex')).toBe(SHA256[event]);
  });
});
