import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HappyColis signs each delivery with `base64(HMAC-SHA256(clientSecret, payload))` in the
 * `x-happycolis-webhook-signature` header. The payload is documented as
 * `JSON.stringify({header, body})`; senders usually transmit exactly those bytes, so the raw
 * body is checked first and the re-serialised form second. Several secrets may be valid at
 * once while one is being rotated.
 */

export const SIGNATURE_HEADER = 'x-happycolis-webhook-signature';

const SHA256_BYTES = 32;

export const sign = (secret: string, payload: Uint8Array | string): string =>
  createHmac('sha256', secret).update(payload).digest('base64');

const decodeSignature = (signature: string): Buffer | undefined => {
  const trimmed = signature.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === SHA256_BYTES ? bytes : undefined;
};

/**
 * Whether `signature` is a valid HMAC of one of `payloads` under one of `secrets`. Every
 * comparison runs in constant time, and all of them run, so timing does not tell which
 * secret or payload came close.
 */
export const verifySignature = (
  signature: string | undefined,
  payloads: readonly (Uint8Array | string)[],
  secrets: readonly string[],
): boolean => {
  if (signature === undefined || secrets.length === 0) return false;
  const given = decodeSignature(signature);
  if (given === undefined) return false;
  let valid = false;
  for (const secret of secrets) {
    for (const payload of payloads) {
      const expected = createHmac('sha256', secret).update(payload).digest();
      valid = timingSafeEqual(expected, given) || valid;
    }
  }
  return valid;
};

/** The documented signing input, rebuilt from a parsed body; `undefined` if it has no envelope. */
export const canonicalPayload = (parsed: unknown): string | undefined => {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { header, body } = parsed as { header?: unknown; body?: unknown };
  return JSON.stringify({ header, body });
};

/**
 * Constant-time check of a bearer token against the configured ones. Both sides are hashed
 * first so tokens of different lengths compare in the same time.
 */
export const verifyBearerToken = (
  authorization: string | undefined,
  tokens: readonly string[],
): boolean => {
  if (authorization === undefined || tokens.length === 0) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return false;
  const given = createHash('sha256').update(match[1]).digest();
  let valid = false;
  for (const token of tokens) {
    const expected = createHash('sha256').update(token).digest();
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid;
};
