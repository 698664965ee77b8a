/** Encoding built-ins (OPA v1/topdown/encoding.go): json, yaml, base64, base64url, hex, urlquery. */
import { parseJSONExact } from './json-exact';
import * as yaml from 'js-yaml';
import { fromJSON, RegoObject, RegoSet, toJSON, typeName, Value } from '../value';
import { BuiltinTypeError, type BuiltinRegistry } from './builtin.types';
import { fail, obj, str, typeError } from './args';
import { toJSONText } from './json-text';

const STD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_B64 = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;

/** Go's base64 strict (padded) decoding: the bytes, or the offset of the first bad byte. */
export function b64Decode(s: string, url: boolean): Buffer | number {
  const clean = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if ((url ? URL_B64 : STD_B64).test(clean))
    return Buffer.from(clean, url ? 'base64url' : 'base64');
  const ok = url ? /[A-Za-z0-9_-]/ : /[A-Za-z0-9+/]/;
  for (let i = 0; i < clean.length; i++) if (!ok.test(clean[i])) return i;
  return clean.length - (clean.length % 4);
}

function bytesToString(b: Buffer): string {
  return b.toString('utf8');
}

const QUERY_SAFE = /[A-Za-z0-9\-_.~]/;

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (QUERY_SAFE.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryUnescape; throws the Go error text. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) {
        throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function yamlError(e: unknown): string {
  if (e instanceof Error && 'mark' in e) {
    const ye = e as Error & { reason?: string; mark?: { line: number } };
    let reason = ye.reason ?? ye.message;
    if (/flow collection/.test(reason)) reason = "did not find expected ',' or ']'";
    return `yaml: line ${(ye.mark?.line ?? 0) + 1}: ${reason}`;
  }
  return `yaml: ${(e as Error).message}`;
}

function parseYaml(s: string): Value {
  return fromJSON(yaml.load(s, { schema: yaml.CORE_SCHEMA }) as unknown);
}

function jsonErrorText(e: unknown): string {
  return (e as Error).message;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'json.marshal',
    args: ['any'],
    result: 'string',
    impl: ([v]) => toJSONText(v, '', ''),
  });
  registry.register({
    name: 'json.marshal_with_options',
    args: ['any', 'object'],
    result: 'string',
    impl: (a) => {
      const opts = obj('json.marshal_with_options', a, 1);
      let pretty: boolean | undefined;
      let prefix = '';
      let indent = '\t';
      let explicit = false;
      for (const [k, v] of opts.entries()) {
        if (k === 'pretty') {
          if (typeof v !== 'boolean')
            throw new BuiltinTypeError(
              'json.marshal_with_options',
              `pretty is not a boolean: ${typeName(v)}`,
            );
          pretty = v;
        } else if (k === 'indent' || k === 'prefix') {
          if (typeof v !== 'string')
            throw new BuiltinTypeError(
              'json.marshal_with_options',
              `${k} is not a string: ${typeName(v)}`,
            );
          if (k === 'indent') indent = v;
          else prefix = v;
          explicit = true;
        } else {
          throw new BuiltinTypeError(
            'json.marshal_with_options',
            `object contained unknown key ${JSON.stringify(typeof k === 'string' ? k : toJSON(k))}`,
          );
        }
      }
      if (pretty === false || (pretty === undefined && !explicit)) return toJSONText(a[0], '', '');
      return prefix + toJSONText(a[0], prefix, indent === '' && prefix === '' ? '' : indent);
    },
  });
  registry.register({
    name: 'json.unmarshal',
    args: ['string'],
    result: 'any',
    impl: (a) => {
      const s = str('json.unmarshal', a, 0);
      try {
        return parseJSONExact(s);
      } catch (e) {
        throw fail('json.unmarshal', jsonErrorText(e));
      }
    },
  });
  registry.register({
    name: 'json.is_valid',
    args: ['string'],
    result: 'boolean',
    impl: ([s]) => {
      if (typeof s !== 'string') return false;
      try {
        JSON.parse(s);
        return true;
      } catch {
        return false;
      }
    },
  });
  registry.register({
    name: 'yaml.marshal',
    args: ['any'],
    result: 'string',
    impl: ([v]) =>
      yaml.dump(toJSON(v), {
        sortKeys: true,
        seqNoIndent: true,
        lineWidth: -1,
        quoteStyle: 'double',
      }),
  });
  registry.register({
    name: 'yaml.unmarshal',
    args: ['string'],
    result: 'any',
    impl: (a) => {
      const s = str('yaml.unmarshal', a, 0);
      try {
        return parseYaml(s);
      } catch (e) {
        throw fail('yaml.unmarshal', yamlError(e));
      }
    },
  });
  registry.register({
    name: 'yaml.is_valid',
    args: ['string'],
    result: 'boolean',
    impl: ([s]) => {
      if (typeof s !== 'string') return false;
      try {
        parseYaml(s);
        return true;
      } catch {
        return false;
      }
    },
  });
  registry.register({
    name: 'base64.encode',
    args: ['string'],
    result: 'string',
    impl: (a) => Buffer.from(str('base64.encode', a, 0), 'utf8').toString('base64'),
  });
  registry.register({
    name: 'base64.decode',
    args: ['string'],
    result: 'string',
    impl: (a) => {
      const r = b64Decode(str('base64.decode', a, 0), false);
      if (typeof r === 'number')
        throw fail('base64.decode', `illegal base64 data at input byte ${r}`);
      return bytesToString(r);
    },
  });
  registry.register({
    name: 'base64.is_valid',
    args: ['string'],
    result: 'boolean',
    impl: (a) => typeof b64Decode(str('base64.is_valid', a, 0), false) !== 'number',
  });
  registry.register({
    name: 'base64url.encode',
    args: ['string'],
    result: 'string',
    impl: (a) => {
      const s = Buffer.from(str('base64url.encode', a, 0), 'utf8').toString('base64url');
      return s + '='.repeat((4 - (s.length % 4)) % 4);
    },
  });
  registry.register({
    name: 'base64url.encode_no_pad',
    args: ['string'],
    result: 'string',
    impl: (a) => Buffer.from(str('base64url.encode_no_pad', a, 0), 'utf8').toString('base64url'),
  });
  registry.register({
    name: 'base64url.decode',
    args: ['string'],
    result: 'string',
    impl: (a) => {
      let s = str('base64url.decode', a, 0);
      if (!s.endsWith('=')) {
        const rem = s.length % 4;
        if (rem === 2) s += '==';
        else if (rem === 3) s += '=';
        else if (rem === 1) throw fail('base64url.decode', `illegal base64url string: ${s}`);
      }
      const r = b64Decode(s, true);
      if (typeof r === 'number')
        throw fail('base64url.decode', `illegal base64 data at input byte ${r}`);
      return bytesToString(r);
    },
  });
  registry.register({
    name: 'hex.encode',
    args: ['string'],
    result: 'string',
    impl: (a) => Buffer.from(str('hex.encode', a, 0), 'utf8').toString('hex'),
  });
  registry.register({
    name: 'hex.decode',
    args: ['string'],
    result: 'string',
    impl: (a) => {
      const s = str('hex.decode', a, 0);
      const bad = /[^0-9a-fA-F]/.exec(s);
      if (bad) {
        const cp = bad[0].codePointAt(0) as number;
        const u = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
        throw fail(
          'hex.decode',
          `encoding/hex: invalid byte: ${u} ${JSON.stringify(bad[0]).replace(/^"|"$/g, "'")}`,
        );
      }
      if (s.length % 2 !== 0) throw fail('hex.decode', 'encoding/hex: odd length hex string');
      return Buffer.from(s, 'hex').toString('utf8');
    },
  });
  registry.register({
    name: 'urlquery.encode',
    args: ['string'],
    result: 'string',
    impl: (a) => queryEscape(str('urlquery.encode', a, 0)),
  });
  registry.register({
    name: 'urlquery.decode',
    args: ['string'],
    result: 'string',
    impl: (a) => {
      try {
        return queryUnescape(str('urlquery.decode', a, 0));
      } catch (e) {
        if (e instanceof BuiltinTypeError) throw e;
        throw fail('urlquery.decode', (e as Error).message);
      }
    },
  });
  registry.register({
    name: 'urlquery.encode_object',
    args: ['object'],
    result: 'string',
    impl: (a) => {
      const o = obj('urlquery.encode_object', a, 0);
      const pairs: Array<[string, string[]]> = [];
      for (const [k, v] of o.entries()) {
        if (typeof k !== 'string')
          throw typeError('urlquery.encode_object', 1, 'object with string keys', k);
        let vals: Value[];
        if (typeof v === 'string') vals = [v];
        else if (Array.isArray(v)) vals = v;
        else if (v instanceof RegoSet) vals = v.sorted();
        else throw typeError('urlquery.encode_object', 1, 'one of {string, array, set}', v);
        for (const x of vals)
          if (typeof x !== 'string') throw typeError('urlquery.encode_object', 1, 'string', x);
        pairs.push([k, vals as string[]]);
      }
      pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const parts: string[] = [];
      for (const [k, vs] of pairs)
        for (const v of vs) parts.push(queryEscape(k) + '=' + queryEscape(v));
      return parts.join('&');
    },
  });
  registry.register({
    name: 'urlquery.decode_object',
    args: ['string'],
    result: 'object',
    impl: (a) => {
      const s = str('urlquery.decode_object', a, 0);
      const out = new RegoObject();
      for (const part of s.split(/&/)) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const rawK = eq < 0 ? part : part.slice(0, eq);
        const rawV = eq < 0 ? '' : part.slice(eq + 1);
        let k: string;
        let v: string;
        try {
          k = queryUnescape(rawK);
          v = queryUnescape(rawV);
        } catch (e) {
          throw fail('urlquery.decode_object', (e as Error).message);
        }
        const prev = out.get(k);
        out.set(k, Array.isArray(prev) ? [...prev, v] : [v]);
      }
      return out;
    },
  });
}
