/** Text forms of values: OPA's term String() (ast.Term.String) and Go's strconv.Quote. */
import { BigNum, RegoObject, RegoSet, Value } from '../value';

/** Go strconv.Quote: JSON-like, but \x.. / \u.... escapes as Go writes them. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (
      (cp >= 0x80 && cp < 0xa0) ||
      cp === 0xad ||
      cp === 0xfeff ||
      (cp >= 0xd800 && cp < 0xe000)
    ) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** Number text as OPA prints it (JS shortest round-trip; large integers without exponent). */
export function numberString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  return String(n);
}

/** ast.Term.String(): `["a", 1]`, `{"k": v}`, `{1, 2}`, `set()`. */
export function regoString(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return numberString(v);
    case 'string':
      return goQuote(v);
  }
  if (Array.isArray(v)) return '[' + v.map(regoString).join(', ') + ']';
  if (v instanceof BigNum) return v.text;
  if (v instanceof RegoObject) {
    return (
      '{' +
      v
        .sortedEntries()
        .map(([k, x]) => regoString(k) + ': ' + regoString(x))
        .join(', ') +
      '}'
    );
  }
  if (v.size === 0) return 'set()';
  return '{' + (v as RegoSet).sorted().map(regoString).join(', ') + '}';
}
