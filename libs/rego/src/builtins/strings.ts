/** String built-ins (OPA v1/topdown/strings.go, casts.go). Strings are indexed by code point, as OPA's runes. */
import { BigNum, RegoSet, Value } from '../value';
import { numberFromText } from '../number';
import { BuiltinTypeError, type BuiltinRegistry } from './builtin.types';
import { elementError, fail, int, isAscii, num, obj, str, strings, typeError } from './args';

const S2 = ['string', 'string'] as const;
/** Go's unicode.IsSpace set (JS \s also holds U+FEFF, which Go does not trim). */
const SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const TRIM_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');

function cutsetFn(cutset: string): (ch: string) => boolean {
  if (cutset.length === 1) return (ch) => ch === cutset;
  const set = new Set(Array.from(cutset));
  return (ch) => set.has(ch);
}

export function trimLeft(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const inSet = cutsetFn(cutset);
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (!inSet(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

export function trimRight(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const inSet = cutsetFn(cutset);
  const chars = Array.from(s);
  let end = chars.length;
  while (end > 0 && inSet(chars[end - 1])) end--;
  return end === chars.length ? s : chars.slice(0, end).join('');
}

function runeIndexOf(base: string, search: string, from = 0): number {
  const idx = base.indexOf(search, from);
  if (idx < 0) return -1;
  return isAscii(base) ? idx : Array.from(base.slice(0, idx)).length;
}

/** OPA's concat/any_*_match string list (StringSliceOperand). */
function stringOrList(name: string, args: Value[], i: number): string[] {
  const v = args[i];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof RegoSet) return strings(name, args, i);
  throw typeError(name, i + 1, 'one of {string, set, array}', v);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function register(registry: BuiltinRegistry): void {
  const reg = (
    name: string,
    args: Array<'string' | 'number' | 'any' | 'object' | 'array'>,
    result: 'string' | 'boolean' | 'number' | 'array',
    impl: (a: Value[]) => Value | undefined,
  ) => registry.register({ name, args: [...args], result, impl });

  reg('concat', ['string', 'any'], 'string', (a) => {
    const sep = str('concat', a, 0);
    const v = a[1];
    const items = Array.isArray(v) ? v : v instanceof RegoSet ? v.sorted() : undefined;
    if (!items) throw typeError('concat', 2, 'one of {set, array}', v);
    for (const x of items)
      if (typeof x !== 'string') throw elementError('concat', 2, v, 'string', x);
    return (items as string[]).join(sep);
  });
  reg('contains', [...S2], 'boolean', (a) => str('contains', a, 0).includes(str('contains', a, 1)));
  reg('startswith', [...S2], 'boolean', (a) =>
    str('startswith', a, 0).startsWith(str('startswith', a, 1)),
  );
  reg('endswith', [...S2], 'boolean', (a) => str('endswith', a, 0).endsWith(str('endswith', a, 1)));
  reg('strings.count', [...S2], 'number', (a) => {
    const s = str('strings.count', a, 0);
    const sub = str('strings.count', a, 1);
    if (sub === '') return Array.from(s).length + 1;
    return s.split(sub).length - 1;
  });
  reg('format_int', ['number', 'number'], 'string', (a) => {
    const x = num('format_int', a, 0);
    const base = num('format_int', a, 1);
    if (base !== 2 && base !== 8 && base !== 10 && base !== 16) {
      throw new BuiltinTypeError('format_int', 'operand 2 must be one of {2, 8, 10, 16}');
    }
    return BigInt(Math.trunc(x)).toString(base);
  });
  reg('indexof', [...S2], 'number', (a) => {
    const base = str('indexof', a, 0);
    const search = str('indexof', a, 1);
    if (search === '') throw fail('indexof', 'empty search character');
    return runeIndexOf(base, search);
  });
  reg('indexof_n', [...S2], 'array', (a) => {
    const base = str('indexof_n', a, 0);
    const search = str('indexof_n', a, 1);
    if (search === '') throw fail('indexof_n', 'empty search character');
    const out: Value[] = [];
    const ascii = isAscii(base);
    for (let i = base.indexOf(search); i >= 0; i = base.indexOf(search, i + 1)) {
      out.push(ascii ? i : Array.from(base.slice(0, i)).length);
    }
    return out;
  });
  reg('lower', ['string'], 'string', (a) => str('lower', a, 0).toLowerCase());
  reg('upper', ['string'], 'string', (a) => str('upper', a, 0).toUpperCase());
  reg('replace', ['string', 'string', 'string'], 'string', (a) => {
    const s = str('replace', a, 0);
    const old = str('replace', a, 1);
    const rep = str('replace', a, 2);
    if (old === '') return Array.from(s).reduce((acc, ch) => acc + ch + rep, rep);
    return s.split(old).join(rep);
  });
  reg('strings.replace_n', ['object', 'string'], 'string', (a) => {
    const patterns = obj('strings.replace_n', a, 0);
    const s = str('strings.replace_n', a, 1);
    const entries = patterns.sortedEntries();
    const map = new Map<string, string>();
    for (const [k, v] of entries) {
      if (typeof k !== 'string')
        throw new BuiltinTypeError(
          'strings.replace_n',
          'operand 1 non-string key found in pattern object',
        );
      if (typeof v !== 'string')
        throw new BuiltinTypeError(
          'strings.replace_n',
          'operand 1 non-string value found in pattern object',
        );
      if (!map.has(k)) map.set(k, v);
    }
    const keys = [...map.keys()].filter((k) => k !== '');
    if (keys.length === 0) return s;
    const re = new RegExp(keys.map(escapeRegExp).join('|'), 'g');
    return s.replace(re, (m) => map.get(m) as string);
  });
  reg('split', [...S2], 'array', (a) => {
    const s = str('split', a, 0);
    const d = str('split', a, 1);
    return d === '' ? Array.from(s) : s.split(d);
  });
  reg('substring', ['string', 'number', 'number'], 'string', (a) => {
    const s = str('substring', a, 0);
    const start = int('substring', a, 1);
    const len = int('substring', a, 2);
    if (start < 0) throw fail('substring', 'negative offset');
    if (isAscii(s)) return len < 0 ? s.slice(start) : s.slice(start, start + len);
    const r = Array.from(s);
    return (len < 0 ? r.slice(start) : r.slice(start, start + len)).join('');
  });
  reg('trim', [...S2], 'string', (a) => {
    const cut = str('trim', a, 1);
    return trimRight(trimLeft(str('trim', a, 0), cut), cut);
  });
  reg('trim_left', [...S2], 'string', (a) =>
    trimLeft(str('trim_left', a, 0), str('trim_left', a, 1)),
  );
  reg('trim_right', [...S2], 'string', (a) =>
    trimRight(str('trim_right', a, 0), str('trim_right', a, 1)),
  );
  reg('trim_prefix', [...S2], 'string', (a) => {
    const s = str('trim_prefix', a, 0);
    const p = str('trim_prefix', a, 1);
    return s.startsWith(p) ? s.slice(p.length) : s;
  });
  reg('trim_suffix', [...S2], 'string', (a) => {
    const s = str('trim_suffix', a, 0);
    const p = str('trim_suffix', a, 1);
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  });
  reg('trim_space', ['string'], 'string', (a) => str('trim_space', a, 0).replace(TRIM_SPACE, ''));
  reg('strings.reverse', ['string'], 'string', (a) =>
    Array.from(str('strings.reverse', a, 0))
      .reverse()
      .join(''),
  );
  reg('strings.any_prefix_match', ['any', 'any'], 'boolean', (a) => {
    const xs = stringOrList('strings.any_prefix_match', a, 0);
    const ps = stringOrList('strings.any_prefix_match', a, 1);
    return xs.some((x) => ps.some((p) => x.startsWith(p)));
  });
  reg('strings.any_suffix_match', ['any', 'any'], 'boolean', (a) => {
    const xs = stringOrList('strings.any_suffix_match', a, 0);
    const ps = stringOrList('strings.any_suffix_match', a, 1);
    return xs.some((x) => ps.some((p) => x.endsWith(p)));
  });
  reg('to_number', ['any'], 'number', ([v]) => {
    if (v === null) return 0;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number' || v instanceof BigNum) return v;
    if (typeof v === 'string') {
      // OPA casts.go: infinities and NaN (any case, any sign) are type errors, not parse errors.
      const bare = v.replace(/^[+-]+/, '').toLowerCase();
      if (bare === 'inf' || bare === 'infinity' || bare === 'nan')
        throw new BuiltinTypeError(
          'to_number',
          'operand 1 must be valid number string but got string',
        );
      if (!NUMBER_RE.test(v))
        throw fail('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
      // OPA keeps the string as the number's text (json.Number): exact at any size.
      return numberFromText(v) ?? Number(v);
    }
    throw typeError('to_number', 1, 'one of {null, boolean, number, string}', v);
  });
}
