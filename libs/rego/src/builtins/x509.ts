/**
 * crypto.x509.* and crypto.parse_private_keys (OPA v1/topdown/crypto.go) via node:crypto.
 * Certificates are returned with the commonly used fields of Go's x509.Certificate JSON
 * (Raw, SerialNumber, Subject, Issuer, NotBefore, NotAfter, DNSNames, EmailAddresses,
 * IPAddresses, URIStrings, IsCA, Version); the rest of Go's struct is not reproduced.
 */
import { isNum, toNumber } from '../number';
import * as crypto from 'node:crypto';
import { fromJSON, RegoObject, Value } from '../value';
import type { BuiltinContext, BuiltinRegistry } from './builtin.types';
import { fail, obj, str } from './args';

class X509Error extends Error {}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a PEM string or of base64 text (of PEM or DER), as OPA's getX509CertsFromString. */
function pemOrDer(input: string): { pem?: string; der?: Buffer } {
  if (input.trimStart().startsWith('-----BEGIN')) return { pem: input };
  const clean = input.replace(/[\r\n]/g, '');
  if (!STRICT_B64.test(clean)) {
    let i = 0;
    while (i < clean.length && /[A-Za-z0-9+/]/.test(clean[i])) i++;
    throw new X509Error(`illegal base64 data at input byte ${i - (i % 4)}`);
  }
  const bytes = Buffer.from(clean, 'base64');
  const text = bytes.toString('latin1');
  if (text.trimStart().startsWith('-----BEGIN')) return { pem: text };
  return { der: bytes };
}

/** Splits concatenated DER SEQUENCEs. */
function splitDer(der: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < der.length) {
    if (der[i] !== 0x30 || i + 1 >= der.length) throw new X509Error('x509: malformed certificate');
    let len = der[i + 1];
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || i + 2 + n > der.length)
        throw new X509Error('x509: malformed certificate');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + der[i + 2 + k];
      hdr = 2 + n;
    }
    if (i + hdr + len > der.length) throw new X509Error('x509: malformed certificate');
    out.push(der.subarray(i, i + hdr + len));
    i += hdr + len;
  }
  return out;
}

function certificates(input: string): crypto.X509Certificate[] {
  const { pem, der } = pemOrDer(input);
  const blobs: Array<string | Buffer> = [];
  if (pem !== undefined) {
    for (const m of pem.matchAll(PEM_BLOCK)) if (m[1] === 'CERTIFICATE') blobs.push(m[0]);
  } else if (der) blobs.push(...splitDer(der));
  return blobs.map((b) => {
    try {
      return new crypto.X509Certificate(b);
    } catch {
      throw new X509Error('x509: malformed certificate');
    }
  });
}

const NAME_KEYS: Record<string, string> = {
  C: 'Country',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  L: 'Locality',
  ST: 'Province',
  street: 'StreetAddress',
  postalCode: 'PostalCode',
};

/** Go's pkix.Name JSON from node's "K=V\nK=V" form. */
function pkixName(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = { CommonName: '', SerialNumber: '' };
  for (const k of Object.values(NAME_KEYS)) out[k] = null;
  const names: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    names.push({ Type: k, Value: v });
    if (k === 'CN') out.CommonName = v;
    else if (k === 'serialNumber') out.SerialNumber = v;
    else if (NAME_KEYS[k])
      out[NAME_KEYS[k]] = [...((out[NAME_KEYS[k]] as string[] | null) ?? []), v];
  }
  out.Names = names;
  out.ExtraNames = null;
  return out;
}

function sans(cert: crypto.X509Certificate): Record<string, string[] | null> {
  const out: Record<string, string[] | null> = {
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIStrings: null,
  };
  const keys: Record<string, string> = {
    DNS: 'DNSNames',
    email: 'EmailAddresses',
    'IP Address': 'IPAddresses',
    URI: 'URIStrings',
  };
  for (const part of (cert.subjectAltName ?? '').split(/, (?=[A-Za-z ]+:)/)) {
    const c = part.indexOf(':');
    if (c < 0) continue;
    const key = keys[part.slice(0, c)];
    if (key) out[key] = [...(out[key] ?? []), part.slice(c + 1).replace(/^"|"$/g, '')];
  }
  return out;
}

function goTime(text: string): string {
  return new Date(text).toISOString().replace(/\.000Z$/, 'Z');
}

function certObject(cert: crypto.X509Certificate): Value {
  return fromJSON({
    Raw: cert.raw.toString('base64'),
    Version: 3,
    SerialNumber: Number(BigInt('0x' + cert.serialNumber)),
    Subject: pkixName(cert.subject),
    Issuer: pkixName(cert.issuer),
    NotBefore: goTime(cert.validFrom),
    NotAfter: goTime(cert.validTo),
    IsCA: cert.ca,
    ...sans(cert),
  });
}

function privateKeysFrom(input: string): crypto.KeyObject[] {
  const { pem, der } = pemOrDer(input);
  if (der) return [crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })];
  const out: crypto.KeyObject[] = [];
  for (const m of (pem ?? '').matchAll(PEM_BLOCK))
    if (m[1].endsWith('PRIVATE KEY')) out.push(crypto.createPrivateKey(m[0]));
  return out;
}

function wrap<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof X509Error) throw fail(name, e.message);
    throw e;
  }
}

function dnsMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p.startsWith('*.'))
    return h.endsWith(p.slice(1)) && !h.slice(0, h.length - p.length + 1).includes('.');
  return p === h;
}

function verifyChain(
  certs: crypto.X509Certificate[],
  ctx: BuiltinContext,
  nowMs?: number,
  dnsName?: string,
): boolean {
  if (certs.length < 2) return false;
  const now = nowMs ?? Number(ctx.nowNs() / 1_000_000n);
  if (
    dnsName !== undefined &&
    dnsName !== '' &&
    !(sans(certs[0]).DNSNames ?? []).some((d) => dnsMatches(d, dnsName))
  )
    return false;
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i];
    if (now < Date.parse(c.validFrom) || now > Date.parse(c.validTo)) return false;
    const issuer = i + 1 < certs.length ? certs[i + 1] : c;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return false;
  }
  return true;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'crypto.x509.parse_certificates',
    args: ['string'],
    result: 'array',
    impl: (a) =>
      wrap('crypto.x509.parse_certificates', () =>
        certificates(str('crypto.x509.parse_certificates', a, 0)).map(certObject),
      ),
  });
  registry.register({
    name: 'crypto.x509.parse_and_verify_certificates',
    args: ['string'],
    result: 'array',
    impl: (a, ctx) =>
      wrap('crypto.x509.parse_and_verify_certificates', () => {
        // Input order is root first, leaf last; the verified chain is returned leaf first.
        const chain = certificates(
          str('crypto.x509.parse_and_verify_certificates', a, 0),
        ).reverse();
        return verifyChain(chain, ctx) ? [true, chain.map(certObject)] : [false, []];
      }),
  });
  registry.register({
    name: 'crypto.x509.parse_and_verify_certificates_with_options',
    args: ['string', 'object'],
    result: 'array',
    impl: (a, ctx) =>
      wrap('crypto.x509.parse_and_verify_certificates_with_options', () => {
        const name = 'crypto.x509.parse_and_verify_certificates_with_options';
        const chain = certificates(str(name, a, 0)).reverse();
        const opts = obj(name, a, 1);
        const time = opts.get('CurrentTime');
        const dns = opts.get('DNSName');
        const nowMs = time !== undefined && isNum(time) ? toNumber(time) / 1e6 : undefined;
        const ok = verifyChain(chain, ctx, nowMs, typeof dns === 'string' ? dns : undefined);
        return ok ? [true, chain.map(certObject)] : [false, []];
      }),
  });
  registry.register({
    name: 'crypto.x509.parse_rsa_private_key',
    args: ['string'],
    result: 'object',
    impl: (a) =>
      wrap('crypto.x509.parse_rsa_private_key', () => {
        const keys = privateKeysFrom(str('crypto.x509.parse_rsa_private_key', a, 0));
        if (keys.length === 0 || keys[0].asymmetricKeyType !== 'rsa')
          throw new X509Error('failed to parse PEM block containing the key');
        return fromJSON(keys[0].export({ format: 'jwk' }));
      }),
  });
  registry.register({
    name: 'crypto.parse_private_keys',
    args: ['string'],
    result: 'array',
    impl: (a) => {
      const s = str('crypto.parse_private_keys', a, 0);
      if (s === '') return null;
      try {
        return privateKeysFrom(s).map((k) => fromJSON(k.export({ format: 'jwk' })));
      } catch {
        return [];
      }
    },
  });
  registry.register({
    name: 'crypto.x509.parse_keypair',
    args: ['string', 'string'],
    result: 'object',
    impl: (a) =>
      wrap('crypto.x509.parse_keypair', () => {
        const certs = certificates(str('crypto.x509.parse_keypair', a, 0));
        const keys = privateKeysFrom(str('crypto.x509.parse_keypair', a, 1));
        if (certs.length === 0)
          throw new X509Error('tls: failed to find any PEM data in certificate input');
        if (keys.length === 0) throw new X509Error('tls: failed to find any PEM data in key input');
        const key = keys[0].export({ format: 'jwk' });
        return new RegoObject()
          .set(
            'Certificate',
            certs.map((c) => c.raw.toString('base64')),
          )
          .set('PrivateKey', fromJSON(key))
          .set('Leaf', certObject(certs[0]));
      }),
  });
}
