import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'npk_';
const KEY_ID_LENGTH = 12;
const ALPHANUM = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export interface GeneratedKey {
  keyId: string;
  secret: string;
  /** The whole key as the user sees it once: `npk_<keyId>_<secret>`. */
  token: string;
  secretHash: string;
}

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUM[bytes[i] % ALPHANUM.length];
  return out;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** 32 random bytes (256 bits) in the secret part; a plain SHA-256 suffices at that entropy. */
export function generateApiKey(): GeneratedKey {
  const keyId = randomId(KEY_ID_LENGTH);
  const secret = randomBytes(32).toString('base64url');
  return {
    keyId,
    secret,
    token: `${API_KEY_PREFIX}${keyId}_${secret}`,
    secretHash: hashSecret(secret),
  };
}

const TOKEN = /^npk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function parseApiKey(token: string): { keyId: string; secret: string } | null {
  const m = TOKEN.exec(token);
  return m ? { keyId: m[1], secret: m[2] } : null;
}

export function secretMatches(secret: string, expectedHashHex: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(expectedHashHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}
