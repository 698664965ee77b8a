/** Keys for io.jwt.*: PEM certificates / public keys, JWK and JWKS parsing, JWS signature checks (jwsbb.Verify). */
import * as crypto from 'node:crypto';

export const ALGS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'HS256',
  'HS384',
  'HS512',
  'EdDSA',
]);
export const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

export interface VKey {
  key: crypto.KeyObject;
  alg: string;
  kid: string;
}

export class JwtError extends Error {}

export function keysFrom(text: string): VKey[] {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----\r?\n?/.exec(text);
  if (m && text.slice(0, m.index).trim() === '') {
    if (text.slice(m.index + m[0].length).length > 0)
      throw new JwtError('extra data after a PEM certificate block');
    if (m[1] === 'CERTIFICATE') {
      try {
        return [{ key: new crypto.X509Certificate(m[0]).publicKey, alg: '', kid: '' }];
      } catch {
        throw new JwtError('failed to parse a PEM certificate: x509: malformed certificate');
      }
    }
    if (m[1] === 'PUBLIC KEY') {
      try {
        return [{ key: crypto.createPublicKey(m[0]), alg: '', kid: '' }];
      } catch (e) {
        throw new JwtError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw new JwtError('failed to extract a Key from the PEM certificate');
  }
  try {
    const parsed = JSON.parse(text) as { keys?: crypto.JsonWebKey[] } & crypto.JsonWebKey;
    const list = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
    const out: VKey[] = [];
    for (const k of list) {
      const alg = typeof k.alg === 'string' ? k.alg : '';
      if (alg !== '' && !ALGS.has(alg)) continue;
      const key =
        k.kty === 'oct'
          ? crypto.createSecretKey(Buffer.from(String(k.k ?? ''), 'base64url'))
          : crypto.createPublicKey({ key: k, format: 'jwk' });
      out.push({ key, alg, kid: typeof k.kid === 'string' ? k.kid : '' });
    }
    return out;
  } catch (e) {
    throw new JwtError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
}

/** jwsbb.Verify: true when the signature of `data` verifies under `alg`. */
export function verifyAlg(
  key: crypto.KeyObject | Buffer,
  alg: string,
  data: Buffer,
  sig: Buffer,
): boolean {
  try {
    const bits = alg.slice(2);
    if (alg.startsWith('HS')) {
      const secret = Buffer.isBuffer(key) ? key : key.export();
      const mac = crypto.createHmac(HASH[bits], secret).update(data).digest();
      return mac.length === sig.length && crypto.timingSafeEqual(mac, sig);
    }
    if (Buffer.isBuffer(key)) return false;
    if (alg === 'EdDSA')
      return key.asymmetricKeyType === 'ed25519' && crypto.verify(null, data, key, sig);
    if (alg.startsWith('RS') || alg.startsWith('PS')) {
      if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
      const pss = alg.startsWith('PS');
      const opts = pss
        ? {
            key,
            padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
            saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO,
          }
        : { key, padding: crypto.constants.RSA_PKCS1_PADDING };
      return crypto.verify(HASH[bits], data, opts, sig);
    }
    if (alg.startsWith('ES')) {
      if (key.asymmetricKeyType !== 'ec') return false;
      return crypto.verify(HASH[bits], data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    }
  } catch {
    return false;
  }
  return false;
}

export function verifyWithKeys(
  keys: VKey[],
  kid: string,
  alg: string,
  data: Buffer,
  sig: Buffer,
): boolean {
  if (kid !== '') {
    const k = keys.find((x) => x.kid === kid);
    if (k) return verifyAlg(k.key, alg, data, sig);
  }
  return keys.some((k) => (k.alg === '' || k.alg === alg) && verifyAlg(k.key, alg, data, sig));
}

export function signingKey(jwkText: string): crypto.KeyObject {
  let parsed: { keys?: crypto.JsonWebKey[] } & crypto.JsonWebKey;
  try {
    parsed = JSON.parse(jwkText) as typeof parsed;
  } catch (e) {
    throw new JwtError(`failed to unmarshal JWK: ${(e as Error).message}`);
  }
  const k = Array.isArray(parsed.keys) ? parsed.keys[0] : parsed;
  if (!k) throw new JwtError('no keys found in JWK set');
  if (k.kty === 'oct') return crypto.createSecretKey(Buffer.from(String(k.k ?? ''), 'base64url'));
  try {
    return k.d !== undefined
      ? crypto.createPrivateKey({ key: k, format: 'jwk' })
      : crypto.createPublicKey({ key: k, format: 'jwk' });
  } catch (e) {
    throw new JwtError(`failed to parse JWK: ${(e as Error).message}`);
  }
}
