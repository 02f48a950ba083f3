import { readFileSync } from 'node:fs';
import { type SampleEvent, sampleUrl } from '../../lib/local/samples.ts';

/**
 * A documented sample payload, character for character (`lib/local/samples/` holds verbatim
 * copies of the HappyColis documentation's samples, pinned by hash in the e2e tests).
 */
export const seedSample = (event: Exclude<SampleEvent, 'accepted'>): string =>
  readFileSync(sampleUrl(event), 'utf8');
