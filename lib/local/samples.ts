import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { LIFECYCLE_STEPS, type LifecycleStep } from '../../functions/core/lifecycle.ts';

/**
 * The documented HappyColis samples (`lib/local/samples/`, copied verbatim from the docs; the
 * `accepted` one built from the documented contract), for `npm run send` and the e2e tests.
 */

/** One documented sample per lifecycle step: a step without one does not compile. */
const SAMPLE_FILES = {
  created: 'created.json',
  accepted: 'accepted.json',
  rejected: 'rejected.json',
  errored: 'errored.json',
} as const satisfies Record<LifecycleStep, string>;

export type SampleEvent = LifecycleStep;
export const SAMPLE_EVENTS: readonly SampleEvent[] = LIFECYCLE_STEPS;

export const isSampleEvent = (name: string): name is SampleEvent =>
  (SAMPLE_EVENTS as readonly string[]).includes(name);

/** Changes to a sample; each replaces one field of the envelope. */
export interface SampleOverrides {
  /** `body.id`: another integration. */
  readonly id?: string | undefined;
  /** `header.date`: another event time. */
  readonly date?: string | undefined;
  /** `header.messageId`: the same event resent as another delivery. */
  readonly messageId?: string | undefined;
}

const Envelope = v.object({
  header: v.looseObject({}),
  body: v.looseObject({}),
});

/** Where a sample's documented bytes are stored. */
export const sampleUrl = (event: SampleEvent): URL =>
  new URL(`samples/${SAMPLE_FILES[event]}`, import.meta.url);

/** The sample's bytes exactly as documented. */
export const sampleText = (event: SampleEvent): Promise<string> =>
  readFile(sampleUrl(event), 'utf8');

/**
 * The body to send: the documented bytes when nothing is overridden, else the edited
 * envelope serialised as HappyColis signs it, `JSON.stringify({header, body})`.
 */
export const sampleBody = async (
  event: SampleEvent,
  overrides: SampleOverrides = {},
): Promise<string> => {
  const text = await sampleText(event);
  if (!overrides.id && !overrides.date && !overrides.messageId) return text;
  const parsed = v.parse(Envelope, JSON.parse(text));
  const header = {
    ...parsed.header,
    ...(overrides.messageId ? { messageId: overrides.messageId } : {}),
    ...(overrides.date ? { date: overrides.date } : {}),
  };
  const body = { ...parsed.body, ...(overrides.id ? { id: overrides.id } : {}) };
  return JSON.stringify({ header, body });
};
