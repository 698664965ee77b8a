/** Go encoding/json output for values (sorted keys, HTML-safe escapes, MarshalIndent). */
import { BigNum, RegoObject, RegoSet, Value } from '../value';
import { numberString } from './format';

const ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Go's json string encoding (escapes <, >, & and U+2028/9 like json.Marshal). */
export function goJSONString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]);
}

function keyText(k: Value): string {
  return typeof k === 'string' ? k : JSON.stringify(toJSONText(k, '', ''));
}

/** JSON text of a value; sets as sorted arrays, non-string keys as their JSON text (as OPA). */
export function toJSONText(v: Value, prefix: string, indent: string, depth = 0): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? numberString(v) : 'null';
    case 'string':
      return goJSONString(v);
  }
  if (v instanceof BigNum) return v.text;
  const pretty = indent !== '' || prefix !== '';
  const nl = pretty ? '\n' + prefix + indent.repeat(depth + 1) : '';
  const close = pretty ? '\n' + prefix + indent.repeat(depth) : '';
  const colon = pretty ? ': ' : ':';
  let parts: string[];
  let open: string;
  let end: string;
  if (v instanceof RegoObject) {
    const entries = v.entries().map(([k, x]) => [keyText(k), x] as [string, Value]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    parts = entries.map(
      ([k, x]) => goJSONString(k) + colon + toJSONText(x, prefix, indent, depth + 1),
    );
    open = '{';
    end = '}';
  } else {
    const items = Array.isArray(v) ? v : (v as RegoSet).sorted();
    parts = items.map((x) => toJSONText(x, prefix, indent, depth + 1));
    open = '[';
    end = ']';
  }
  if (parts.length === 0) return open + end;
  return open + nl + parts.join(',' + nl) + close + end;
}
