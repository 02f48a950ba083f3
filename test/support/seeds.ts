import { readFileSync } from 'node:fs';
import type { SampleEvent } from '../../lib/local/samples.ts';

/**
 * A documented sample payload, character for character (`test/fixtures/` holds verbatim copies
 * of the HappyColis documentation's samples, pinned by hash in the e2e tests).
 */
export const seedSample = (event: Exclude<SampleEvent, 'accepted'>): string =>
  readFileSync(new URL(`../fixtures/${event}.json`, import.meta.url), 'utf8');
