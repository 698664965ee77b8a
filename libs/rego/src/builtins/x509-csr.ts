/** crypto.x509.parse_certificate_request: a minimal DER reader for PKCS#10 requests (subject, signature check). */
import * as crypto from 'node:crypto';
import { fromJSON } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { fail, str } from './args';

class Asn1Error extends Error {}

interface Tlv {
  tag: number;
  start: number;
  body: Buffer;
  end: number;
}

function read(buf: Buffer, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new Asn1Error('asn1: structure error: truncated tag or length');
  const tag = buf[pos];
  let len = buf[pos + 1];
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + 2 + n > buf.length)
      throw new Asn1Error('asn1: structure error: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i];
    hdr += n;
  }
  const end = pos + hdr + len;
  if (end > buf.length) throw new Asn1Error('asn1: structure error: data truncated');
  return { tag, start: pos, body: buf.subarray(pos + hdr, end), end };
}

function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = 0; p < t.body.length;) {
    const c = read(t.body, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

function oid(b: Buffer): string {
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const ATTRS: Record<string, [string, string]> = {
  '2.5.4.3': ['CN', 'CommonName'],
  '2.5.4.6': ['C', 'Country'],
  '2.5.4.10': ['O', 'Organization'],
  '2.5.4.11': ['OU', 'OrganizationalUnit'],
  '2.5.4.7': ['L', 'Locality'],
  '2.5.4.8': ['ST', 'Province'],
  '2.5.4.9': ['STREET', 'StreetAddress'],
  '2.5.4.17': ['POSTALCODE', 'PostalCode'],
  '2.5.4.5': ['SERIALNUMBER', 'SerialNumber'],
};

function name(t: Tlv): Record<string, unknown> {
  const out: Record<string, unknown> = { CommonName: '', SerialNumber: '', Names: [] };
  const names: Array<Record<string, unknown>> = [];
  for (const rdn of children(t)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      const id = oid(type.body);
      const text = value.body.toString(value.tag === 0x1e ? 'utf16le' : 'utf8');
      names.push({ Type: id, Value: text });
      const attr = ATTRS[id];
      if (!attr) continue;
      if (attr[1] === 'CommonName' || attr[1] === 'SerialNumber') out[attr[1]] = text;
      else out[attr[1]] = [...((out[attr[1]] as string[] | undefined) ?? []), text];
    }
  }
  out.Names = names;
  return out;
}

function csrBytes(input: string): Buffer {
  const pem =
    /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/;
  let m = pem.exec(input);
  if (m) return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  const clean = input.replace(/[\r\n]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean))
    throw new Asn1Error('illegal base64 data at input byte 0');
  const bytes = Buffer.from(clean, 'base64');
  m = pem.exec(bytes.toString('latin1'));
  return m ? Buffer.from(m[1].replace(/\s+/g, ''), 'base64') : bytes;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'crypto.x509.parse_certificate_request',
    args: ['string'],
    result: 'object',
    impl: (a) => {
      const nameOf = 'crypto.x509.parse_certificate_request';
      try {
        const der = csrBytes(str(nameOf, a, 0));
        const top = read(der, 0);
        if (top.tag !== 0x30) throw new Asn1Error("asn1: structure error: tags don't match");
        const [info] = children(top);
        const [version, subject, spki] = children(info);
        let publicKey: unknown = null;
        try {
          const key = crypto.createPublicKey({
            key: info.body.subarray(spki.start, spki.end),
            format: 'der',
            type: 'spki',
          });
          publicKey = key.export({ format: 'jwk' });
        } catch {
          publicKey = null;
        }
        return fromJSON({
          Raw: der.toString('base64'),
          Version: version.body[0] ?? 0,
          Subject: name(subject),
          PublicKey: publicKey,
        });
      } catch (e) {
        if (e instanceof Asn1Error) throw fail(nameOf, e.message);
        if (e instanceof TypeError || e instanceof RangeError)
          throw fail(nameOf, 'asn1: structure error');
        throw e;
      }
    },
  });
}
