import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `npn_<nodeIdHex>_<secret>` (node credentials) and `npe_<idHex>_<secret>` (enrollment tokens). */
export type SecretKind = 'npn' | 'npe';

export interface GeneratedSecret {
  token: string;
  secretHash: string;
}

const SHAPE = /^(npn|npe)_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** 256 random bits: a plain SHA-256 of the secret suffices at that entropy. */
export function generateSecret(kind: SecretKind, id: string): GeneratedSecret {
  const secret = randomBytes(32).toString('base64url');
  return {
    token: `${kind}_${id.replace(/-/g, '')}_${secret}`,
    secretHash: hashSecret(secret),
  };
}

export function parseSecret(
  kind: SecretKind,
  token: string,
): { id: string; secret: string } | null {
  const m = SHAPE.exec(token);
  if (!m || m[1] !== kind) return null;
  const h = m[2];
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return { id, secret: m[3] };
}

export function secretMatches(secret: string, expectedHashHex: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(expectedHashHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
