import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SEEDS = fileURLToPath(new URL('../../../shared/seeds/', import.meta.url));

const SAMPLE_FILES = {
  errored: '000_ca3affc079831a0e.txt',
  created: '001_9b34988f23de42d3.txt',
  rejected: '002_e3ef2e6f925da671.txt',
} as const;

/**
 * The "Full JSON Payload Sample" printed in a seed document, character for character, so the
 * tests feed the receiver exactly what the documentation shows.
 */
export const seedSample = (step: keyof typeof SAMPLE_FILES): string => {
  const text = readFileSync(`${SEEDS}${SAMPLE_FILES[step]}`, 'utf8');
  const marker = text.indexOf('Full JSON Payload Sample');
  const start = text.indexOf('{', marker);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`no complete JSON sample in seed ${SAMPLE_FILES[step]}`);
};
