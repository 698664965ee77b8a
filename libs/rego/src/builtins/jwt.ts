/**
 * io.jwt.* (OPA v1/topdown/tokens.go) with node:crypto, synchronously: decode, verify_*,
 * decode_verify, encode_sign, encode_sign_raw. Keys: PEM certificates / public keys, JWK and JWKS.
 */
import { isNum, toNumber } from '../number';
import * as crypto from 'node:crypto';
import { RegoObject, Value } from '../value';
import type { BuiltinContext, BuiltinRegistry } from './builtin.types';
import { fail, obj, str } from './args';
import { toJSONText } from './json-text';
import { b64Decode } from './encoding';
import {
  ALGS,
  HASH,
  JwtError,
  keysFrom,
  signingKey,
  verifyAlg,
  verifyWithKeys,
  type VKey,
} from './jwt-keys';

interface Token {
  header: string;
  payload: string;
  signature: string;
}
function splitToken(v: Value): Token {
  if (typeof v !== 'string') throw new JwtError(`operand 1 must be string`);
  if (!v.includes('.')) throw new JwtError('encoded JWT had no period separators');
  const parts = v.split('.');
  if (parts.length !== 3)
    throw new JwtError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0], payload: parts[1], signature: parts[2] };
}

function b64url(s: string, what: string): Buffer {
  let t = s;
  if (!t.endsWith('=')) {
    if (t.length % 4 === 1)
      throw new JwtError(`JWT ${what} had invalid encoding: illegal base64url string: ${s}`);
    t += '='.repeat((4 - (t.length % 4)) % 4);
  }
  // As OPA (base64url.decode of the padded segment): Go's error names the bad byte.
  const r = b64Decode(t, true);
  if (typeof r === 'number')
    throw new JwtError(`JWT ${what} had invalid encoding: illegal base64 data at input byte ${r}`);
  return Buffer.from(r);
}

function jsonObject(text: string, what: string): RegoObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new JwtError(`${what}invalid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new JwtError(`${what}decoded JSON type was not an Object`);
  return toRego(parsed) as RegoObject;
}

function toRego(x: unknown): Value {
  if (x === null || typeof x !== 'object') return x as Value;
  if (Array.isArray(x)) return x.map(toRego);
  const o = new RegoObject();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, toRego(v));
  return o;
}

function decodeHeader(t: Token): RegoObject {
  const h = jsonObject(b64url(t.header, 'header').toString('utf8'), 'bad JWT header: ');
  if (h.has('enc')) throw new JwtError('JWT is a JWE object, which is not supported');
  return h;
}

function wrap<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof JwtError) throw fail(name, e.message);
    throw e;
  }
}

function decode(v: Value): Value[] {
  const t = splitToken(v);
  const header = decodeHeader(t);
  const payloadText = b64url(t.payload, 'payload').toString('utf8');
  if (header.get('cty') === 'JWT') return decode(payloadText.replace(/^["']+|["']+$/g, ''));
  const payload = jsonObject(payloadText, '');
  const sig = b64url(t.signature, 'signature').toString('hex');
  return [header, payload, sig];
}

function headerString(h: RegoObject, name: string): string {
  const v = h.get(name);
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new JwtError(`${name}: must be a string`);
  return v;
}

const UNVERIFIED: Value[] = [false, new RegoObject(), new RegoObject()];

function decodeVerify(name: string, a: Value[], ctx: BuiltinContext): Value[] {
  const c = obj(name, a, 1);
  let secret = '';
  let keys: VKey[] | undefined;
  let alg = '';
  let iss = '';
  let aud = '';
  let time = -1;
  for (const [k, v] of c.entries()) {
    if (k === 'cert') {
      if (typeof v !== 'string') throw new JwtError('cert constraint: must be a string');
      keys = keysFrom(v);
    } else if (k === 'secret' || k === 'alg' || k === 'iss' || k === 'aud') {
      if (typeof v !== 'string') throw new JwtError(`${k} constraint: must be a string`);
      if (k === 'secret') secret = v;
      else if (k === 'alg') alg = v;
      else if (k === 'iss') iss = v;
      else aud = v;
    } else if (k === 'time') {
      if (!isNum(v)) throw new JwtError('token time constraint: must be a number');
      if (toNumber(v) < 0) throw new JwtError('token time constraint: must not be negative');
      time = toNumber(v);
    } else throw new JwtError(`unknown token validation constraint: ${String(k)}`);
  }
  if (time === -1) time = Number(ctx.nowNs());
  const nKeys = (keys !== undefined ? 1 : 0) + (secret !== '' ? 1 : 0);
  if (nKeys > 1) throw new JwtError('duplicate key constraints');
  if (nKeys < 1) throw new JwtError('no key constraint');
  let current: Value = a[0];
  let header: RegoObject;
  let payloadText: string;
  for (;;) {
    const t = splitToken(current);
    header = decodeHeader(t);
    const hAlg = headerString(header, 'alg');
    const kid = headerString(header, 'kid');
    const cty = headerString(header, 'cty');
    headerString(header, 'typ');
    const crit = header.get('crit');
    if (crit !== undefined) {
      if (!Array.isArray(crit)) throw new JwtError('crit: must be a list');
      if (crit.length === 0) throw new JwtError('crit: must be a nonempty list');
    }
    const known = new Set(['alg', 'kid', 'typ', 'cty', 'crit']);
    const critical = Array.isArray(crit) ? crit : [];
    if (
      hAlg === '' ||
      header.keys().some((k) => typeof k === 'string' && !known.has(k) && critical.includes(k))
    )
      return UNVERIFIED;
    if (alg !== '' && alg !== hAlg) return UNVERIFIED;
    const sig = b64url(t.signature, 'signature');
    const data = Buffer.from(`${t.header}.${t.payload}`, 'utf8');
    const ok = keys
      ? verifyWithKeys(keys, kid, hAlg, data, sig)
      : verifyAlg(Buffer.from(secret, 'utf8'), hAlg, data, sig);
    if (!ok) return UNVERIFIED;
    payloadText = b64url(t.payload, 'payload').toString('utf8');
    if (cty.toUpperCase() === 'JWT') {
      current = payloadText;
      continue;
    }
    break;
  }
  const payload = jsonObject(payloadText, '');
  if (iss !== '' && payload.get('iss') !== iss) return UNVERIFIED;
  const pAud = payload.get('aud');
  if (pAud !== undefined) {
    const ok =
      typeof pAud === 'string' ? pAud === aud : Array.isArray(pAud) && pAud.some((x) => x === aud);
    if (!ok) return UNVERIFIED;
  } else if (aud !== '') return UNVERIFIED;
  const now = time / 1e9;
  const exp = payload.get('exp');
  if (exp !== undefined) {
    if (!isNum(exp)) throw new JwtError('exp value must be a number');
    if (now >= toNumber(exp)) return UNVERIFIED;
  }
  const nbf = payload.get('nbf');
  if (nbf !== undefined) {
    if (!isNum(nbf)) throw new JwtError('nbf value must be a number');
    if (now < toNumber(nbf)) return UNVERIFIED;
  }
  return [true, header, payload];
}

function encodeSign(headers: string, payload: string, jwkText: string): string {
  const key = signingKey(jwkText);
  let parsedHeaders: Record<string, unknown>;
  try {
    if (headers.trim() === '')
      throw new JwtError(
        "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string",
      );
    parsedHeaders = JSON.parse(headers) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof JwtError) throw e;
    if (!headers.trim().startsWith('{'))
      throw new JwtError('missing or invalid \'alg\' header: jwsbb: header "alg" not found');
    throw new JwtError("missing or invalid 'alg' header: cannot parse JSON");
  }
  const alg = parsedHeaders?.alg;
  if (typeof alg !== 'string')
    throw new JwtError('missing or invalid \'alg\' header: jwsbb: header "alg" not found');
  if (!ALGS.has(alg)) throw new JwtError(`unknown JWS algorithm: ${alg}`);
  const typ = parsedHeaders.typ;
  let validJSON = true;
  try {
    JSON.parse(payload);
  } catch {
    validJSON = false;
  }
  if ((typeof typ !== 'string' || typ === 'JWT') && !validJSON)
    throw new JwtError('type is JWT but payload is not JSON');
  const input =
    Buffer.from(headers, 'utf8').toString('base64url') +
    '.' +
    Buffer.from(payload, 'utf8').toString('base64url');
  const data = Buffer.from(input, 'utf8');
  const bits = alg.slice(2);
  let sig: Buffer;
  if (alg.startsWith('HS')) sig = crypto.createHmac(HASH[bits], key.export()).update(data).digest();
  else if (alg === 'EdDSA') sig = crypto.sign(null, data, key);
  else if (alg.startsWith('ES'))
    sig = crypto.sign(HASH[bits], data, { key, dsaEncoding: 'ieee-p1363' });
  else {
    const padding = alg.startsWith('PS')
      ? crypto.constants.RSA_PKCS1_PSS_PADDING
      : crypto.constants.RSA_PKCS1_PADDING;
    sig = crypto.sign(HASH[bits], data, {
      key,
      padding,
      saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  return input + '.' + sig.toString('base64url');
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'io.jwt.decode',
    args: ['string'],
    result: 'array',
    impl: (a) => wrap('io.jwt.decode', () => decode(str('io.jwt.decode', a, 0))),
  });
  for (const alg of ALGS) {
    const name = `io.jwt.verify_${alg.toLowerCase()}`;
    registry.register({
      name,
      args: ['string', 'string'],
      result: 'boolean',
      impl: (a) =>
        wrap(name, () => {
          const t = splitToken(str(name, a, 0));
          const keyText = str(name, a, 1);
          const data = Buffer.from(`${t.header}.${t.payload}`, 'utf8');
          if (alg.startsWith('HS'))
            return verifyAlg(
              Buffer.from(keyText, 'utf8'),
              alg,
              data,
              b64url(t.signature, 'signature'),
            );
          const keys = keysFrom(keyText);
          const sig = b64url(t.signature, 'signature');
          const header = decodeHeader(t);
          const kid = headerString(header, 'kid');
          const hAlg = headerString(header, 'alg');
          if (kid !== '') {
            const k = keys.find((x) => x.kid === kid);
            if (k) return verifyAlg(k.key, alg, data, sig);
          }
          return keys.some(
            (k) => (k.alg === '' || k.alg === hAlg) && verifyAlg(k.key, alg, data, sig),
          );
        }),
    });
  }
  registry.register({
    name: 'io.jwt.decode_verify',
    args: ['string', 'object'],
    result: 'array',
    impl: (a, ctx) =>
      wrap('io.jwt.decode_verify', () => decodeVerify('io.jwt.decode_verify', a, ctx)),
  });
  registry.register({
    name: 'io.jwt.encode_sign',
    args: ['object', 'object', 'object'],
    result: 'string',
    impl: (a) =>
      wrap('io.jwt.encode_sign', () =>
        encodeSign(
          toJSONText(obj('io.jwt.encode_sign', a, 0), '', ''),
          toJSONText(obj('io.jwt.encode_sign', a, 1), '', ''),
          toJSONText(obj('io.jwt.encode_sign', a, 2), '', ''),
        ),
      ),
  });
  registry.register({
    name: 'io.jwt.encode_sign_raw',
    args: ['string', 'string', 'string'],
    result: 'string',
    impl: (a) =>
      wrap('io.jwt.encode_sign_raw', () =>
        encodeSign(
          str('io.jwt.encode_sign_raw', a, 0),
          str('io.jwt.encode_sign_raw', a, 1),
          str('io.jwt.encode_sign_raw', a, 2),
        ),
      ),
  });
}
