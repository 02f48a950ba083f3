import { parseJson } from './json.ts';

/**
 * Removes every credential from text kept or forwarded (quarantine records, replays), whatever
 * its JSON type and however broken the JSON around it.
 *
 * - A credential is the value of any key that looks like one, in any case and spelling:
 *   `accessToken`, `access_token`, `refreshToken`, `id_token`, `clientSecret`, `password`,
 *   `authorization`, `apiKey`, `privateKey`, `cookie`, `signature`, … (see
 *   {@link isCredentialKey}).
 * - A lexer walks the text (iteratively, so nesting depth does not matter) and replaces the
 *   value after any such key (escaped spellings included) by `"[redacted]"`: a string, a
 *   number, `true`/`false`, or a whole object or array. `null` is left as is.
 * - When the text is not valid JSON, nothing is trusted: the value and everything after it up
 *   to the end of the enclosing object (or of the text) is redacted; then every remaining
 *   mention of such a key (any case, any punctuation after it) loses what follows it the same
 *   way.
 */

const REDACTED = '"[redacted]"';

/**
 * Key names, lower-cased with everything but letters and digits removed, that hold a
 * credential: anything ending in `token(s)`, or naming a secret, a password, an authorization,
 * an API or private key, a credential, a cookie or a signature.
 */
const CREDENTIAL_KEY =
  /tokens?$|secret|passw(or)?d|^pwd$|authori[sz]ation|apikey|privatekey|credential|cookie|signature/;

/** Whether a JSON key names a credential (`accessToken`, `client_secret`, `Authorization`, …). */
export const isCredentialKey = (key: string): boolean =>
  CREDENTIAL_KEY.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));

/** Mentions of such keys in text that is not JSON (separators optional, any case). */
const MENTION =
  /(?:access|refresh|id|auth|bearer|session|api|csrf)[-_ ]?tokens?|client[-_ ]?secret|secret|passw(?:or)?d|authori[sz]ation|api[-_ ]?key|private[-_ ]?key|credentials?|cookie|signature/gi;

const isValidJson = (text: string): boolean => parseJson(text).success;

/** End (exclusive) of the string token opening at `start`, or `-1` if it never closes. */
const stringEnd = (text: string, start: number): number => {
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '"') return i + 1;
    else if (char === '\n' || char === '\r') return -1;
  }
  return -1;
};

const decode = (token: string): string | undefined => {
  const json = parseJson(token);
  return json.success && typeof json.value === 'string' ? json.value : undefined;
};

/** End (exclusive) of the object or array opening at `start`, or `-1` if it never closes. */
const containerEnd = (text: string, start: number): number => {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
};

const skipSpace = (text: string, from: number): number => {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  return i;
};

/**
 * In text that is not JSON, the end of a value cannot be trusted: it runs to the end of the
 * object or array that holds the field (a closer without an opener since `start`), or to the
 * end of the text. Siblings after the field go too; readability yields to the credential.
 */
const regionEnd = (text: string, start: number): number => {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return text.length;
      i = end - 1;
    } else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth < 0) return i;
    }
  }
  return text.length;
};

/** End (exclusive) of the value at `start`; `undefined` when it is `null` (kept). */
const valueEnd = (text: string, start: number, valid: boolean): number | undefined => {
  if (!valid && !/^null\s*[,}\]]/.test(text.slice(start))) return regionEnd(text, start);
  const char = text[start];
  if (char === '"') {
    const end = stringEnd(text, start);
    return end < 0 ? text.length : end;
  }
  if (char === '{' || char === '[') {
    const end = containerEnd(text, start);
    return end < 0 ? text.length : end;
  }
  if (text.startsWith('null', start)) return undefined;
  let i = start;
  while (i < text.length && !/[,}\]\s]/.test(text[i] ?? '')) i++;
  return i;
};

export const redactCredentials = (text: string): string => {
  const valid = isValidJson(text);
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    const end = stringEnd(text, i);
    if (end < 0) {
      i++;
      continue;
    }
    const name = decode(text.slice(i, end));
    const isKey = name !== undefined && isCredentialKey(name);
    i = end;
    if (!isKey) continue;
    const colon = skipSpace(text, end);
    if (text[colon] !== ':') continue;
    const start = skipSpace(text, colon + 1);
    if (start >= text.length) break;
    const stop = valueEnd(text, start, valid);
    if (stop === undefined) continue;
    out += text.slice(copied, start) + REDACTED;
    copied = stop;
    i = stop;
  }
  out += text.slice(copied);
  return valid ? out : redactMentions(out);
};

/** For text that is not JSON: what follows any mention of the field is not trusted. */
const redactMentions = (text: string): string => {
  let out = '';
  let copied = 0;
  for (const mention of text.matchAll(MENTION)) {
    let start = (mention.index ?? 0) + mention[0].length;
    if (start <= copied) continue;
    while (start < text.length && /["'\s:=]/.test(text[start] ?? '')) start++;
    if (text.startsWith(REDACTED.slice(1), start)) continue;
    const end = regionEnd(text, start);
    out += `${text.slice(copied, start)}[redacted]`;
    copied = end;
  }
  return out + text.slice(copied);
};

/** {@link redactCredentials}, under the name its first use (the `accessToken`) gave it. */
export const redactAccessTokens = redactCredentials;
