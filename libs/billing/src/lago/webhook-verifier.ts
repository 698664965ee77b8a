import { createHmac, createPublicKey, KeyObject, timingSafeEqual, verify } from 'node:crypto';

export interface WebhookKeys {
  /** HMAC key (signature_algo hmac). */
  hmacKey?: string;
  /** Lago's RSA public key: PEM, or base64 of the PEM as `GET /webhooks/public_key` serves it. */
  publicKey?: string;
  /** Expected `iss` of JWT signatures: the Lago API URL. */
  issuer?: string;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks a Lago webhook as Lago documents it. `X-Lago-Signature-Algorithm: hmac`:
 * base64(HMAC-SHA256(key, raw body)). `jwt` (Lago's default): an RS256 JWT whose claims are
 * `{data: <raw body>, iss: <Lago API URL>}`, verified with Lago's public key.
 */
export class LagoWebhookVerifier {
  private readonly publicKey: KeyObject | null;

  constructor(private readonly keys: WebhookKeys) {
    this.publicKey = keys.publicKey ? loadPublicKey(keys.publicKey) : null;
  }

  get configured(): boolean {
    return !!this.keys.hmacKey || !!this.publicKey;
  }

  verify(raw: Buffer, signature: string | undefined, algorithm: string | undefined): VerifyResult {
    if (!signature) return { ok: false, reason: 'missing X-Lago-Signature' };
    const algo = (algorithm ?? 'jwt').toLowerCase();
    if (algo === 'hmac') {
      if (!this.keys.hmacKey) return { ok: false, reason: 'hmac signatures are not configured' };
      const expected = createHmac('sha256', this.keys.hmacKey).update(raw).digest();
      const given = Buffer.from(signature, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected)
        ? { ok: true }
        : { ok: false, reason: 'hmac mismatch' };
    }
    if (algo === 'jwt') return this.verifyJwt(raw, signature);
    return { ok: false, reason: `unknown signature algorithm ${algo}` };
  }

  private verifyJwt(raw: Buffer, token: string): VerifyResult {
    if (!this.publicKey) return { ok: false, reason: 'jwt signatures are not configured' };
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed jwt' };
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string };
    let claims: { data?: unknown; iss?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { ok: false, reason: 'malformed jwt' };
    }
    if (header.alg !== 'RS256') return { ok: false, reason: 'jwt alg must be RS256' };
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      this.publicKey,
      Buffer.from(s, 'base64url'),
    );
    if (!valid) return { ok: false, reason: 'jwt signature mismatch' };
    if (this.keys.issuer && claims.iss !== this.keys.issuer) {
      return { ok: false, reason: 'jwt issuer mismatch' };
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
      return { ok: false, reason: 'jwt expired' };
    }
    if (claims.data !== raw.toString('utf8'))
      return { ok: false, reason: 'jwt data differs from body' };
    return { ok: true };
  }
}

function loadPublicKey(value: string): KeyObject {
  const pem = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  return createPublicKey(pem);
}
