import { parseJson } from './json.ts';
import { utf8Bytes } from './limits.ts';

/**
 * The credential lists the ingest accepts, each checked on its own: one broken field costs
 * only its own route, and every message names the field and the entry, never a value.
 * Pure: the ingest, the local runtime and `ops secrets check` share the rules.
 */

/** Bytes a bearer token of ours must have at least: 128 bits, as 16 random bytes. */
export const WEBHOOK_TOKEN_MIN_BYTES = 16;

/** One credential list: what it is for, and the strength each entry must have. */
export interface CredentialRule {
  /** The route that authenticates with it. */
  readonly route: string;
  /** What it is, for messages. */
  readonly what: string;
  /** Fewest UTF-8 bytes an entry may have (after trimming). */
  readonly minBytes: number;
  /** Why the floor is where it is, for messages. */
  readonly why: string;
}

export const CREDENTIAL_RULES = {
  /**
   * HappyColis's client secrets sign its webhooks. They are HappyColis's, not ours to judge:
   * only an empty or whitespace-only entry is refused.
   */
  HAPPYCOLIS_SECRETS: {
    route: '/webhooks/happycolis',
    what: 'HappyColis client secrets',
    minBytes: 1,
    why: 'an empty secret signs nothing',
  },
  /** Our bearer tokens for delivery-error notices: we choose them, so they must be strong. */
  WEBHOOK_TOKENS: {
    route: '/webhooks/delivery-errors',
    what: 'delivery-error bearer tokens',
    minBytes: WEBHOOK_TOKEN_MIN_BYTES,
    why: `generate one with \`openssl rand -hex ${WEBHOOK_TOKEN_MIN_BYTES}\``,
  },
} as const satisfies Record<string, CredentialRule>;

export type CredentialName = keyof typeof CREDENTIAL_RULES;
export const CREDENTIAL_NAMES = Object.keys(CREDENTIAL_RULES) as CredentialName[];

/** A credential list as checked: the entries that may be used, and what was wrong. */
export interface CheckedCredentials {
  readonly values: readonly string[];
  /** One line per problem, naming the field (and entry), never a value. */
  readonly problems: readonly string[];
}

const entriesOf = (raw: unknown): string[] | undefined => {
  if (Array.isArray(raw)) {
    return raw.every((item) => typeof item === 'string') ? (raw as string[]) : undefined;
  }
  if (typeof raw !== 'string') return undefined;
  if (raw.trim().startsWith('[')) {
    const json = parseJson(raw);
    return json.success ? entriesOf(json.value) : undefined;
  }
  return raw.split(',');
};

/**
 * Checks one credential list, given as a JSON array of strings, a string holding one, or a
 * comma-separated string (`undefined`: the field is absent). Entries are trimmed; an entry
 * below the field's strength is refused (never used) and reported by its position.
 */
export const checkCredentials = (name: CredentialName, raw: unknown): CheckedCredentials => {
  const rule = CREDENTIAL_RULES[name];
  if (raw === undefined || raw === null) {
    return { values: [], problems: [`${name} is not set: ${rule.route} refuses every request`] };
  }
  const entries = entriesOf(raw);
  if (entries === undefined) {
    return {
      values: [],
      problems: [
        `${name} must be a list of strings (a JSON array or a comma-separated string): ${rule.route} refuses every request`,
      ],
    };
  }
  const values: string[] = [];
  const problems: string[] = [];
  // A trailing comma or blank line is not an entry; an entry of spaces between commas is.
  const listed =
    typeof raw === 'string' && !raw.trim().startsWith('[') ? dropEdges(entries) : entries;
  listed.forEach((entry, index) => {
    const value = entry.trim();
    const bytes = utf8Bytes(value);
    const position = `${name} entry ${index + 1} of ${listed.length}`;
    if (value === '') problems.push(`${position} is empty or whitespace: ${rule.why}`);
    else if (bytes < rule.minBytes) {
      problems.push(
        `${position} is ${bytes} bytes; ${rule.what} need at least ${rule.minBytes} (${rule.why}); it is not accepted`,
      );
    } else values.push(value);
  });
  if (values.length === 0) {
    problems.push(`${name} holds no usable entry: ${rule.route} refuses every request`);
  }
  return { values, problems };
};

const dropEdges = (entries: string[]): string[] => {
  const list = [...entries];
  while (list.length > 0 && list.at(-1)?.trim() === '') list.pop();
  while (list.length > 0 && list[0]?.trim() === '') list.shift();
  return list;
};
