/**
 * glob.match / glob.quote_meta (OPA v1/topdown/glob.go, gobwas/glob syntax): `*` any run of
 * non-delimiter characters, `**` any run, `?` one non-delimiter character, `[a-z]` / `[!a-z]`,
 * `{a,b}` alternatives, `\` escapes. Delimiters: null means none; an empty array means ["."].
 */
import { Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { elementError, fail, LruCache, str, typeError } from './args';

const cache = new LruCache<RegExp | Error>(512);

function esc(ch: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(ch) ? '\\' + ch : ch;
}

export function globToRegExp(pattern: string, delimiters: string[]): RegExp {
  const key = delimiters.join('') + '\u0000' + pattern;
  const r = cache.get(key, () => {
    try {
      return new RegExp('^' + translate(Array.from(pattern), delimiters) + '$', 'u');
    } catch (e) {
      return e as Error;
    }
  });
  if (r instanceof Error) throw r;
  return r;
}

function translate(p: string[], delims: string[]): string {
  const notDelim = delims.length === 0 ? '[\\s\\S]' : '[^' + delims.map(esc).join('') + ']';
  let out = '';
  const stack: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    switch (c) {
      case '\\':
        if (i + 1 >= p.length) throw new Error('unexpected end of input');
        out += esc(p[++i]);
        break;
      case '*':
        if (p[i + 1] === '*') {
          out += '[\\s\\S]*';
          i++;
        } else out += notDelim + '*';
        break;
      case '?':
        out += notDelim;
        break;
      case '[': {
        const end = p.indexOf(']', i + 1);
        if (end < 0) throw new Error('unexpected end of input');
        let body = p.slice(i + 1, end);
        const neg = body[0] === '!';
        if (neg) body = body.slice(1);
        out +=
          '[' + (neg ? '^' : '') + body.map((ch) => (ch === '-' ? '-' : esc(ch))).join('') + ']';
        i = end;
        break;
      }
      case '{':
        stack.push(out.length);
        out += '(?:';
        break;
      case ',':
        out += stack.length > 0 ? '|' : ',';
        break;
      case '}':
        if (stack.length === 0) throw new Error('unexpected }');
        stack.pop();
        out += ')';
        break;
      default:
        out += esc(c);
    }
  }
  if (stack.length > 0) throw new Error('unexpected end of input');
  return out;
}

function delimitersOf(v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeError('glob.match', 2, 'one of {array, null}', v);
  const out: string[] = [];
  for (const d of v) {
    if (typeof d !== 'string') throw elementError('glob.match', 2, v, 'string', d);
    if (Array.from(d).length !== 1) throw elementError('glob.match', 2, v, 'rune', d);
    out.push(d);
  }
  return out.length === 0 ? ['.'] : out;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'glob.match',
    args: ['string', { anyOf: ['array', 'null'] }, 'string'],
    result: 'boolean',
    impl: (a) => {
      const pattern = str('glob.match', a, 0);
      const delims = delimitersOf(a[1]);
      const s = str('glob.match', a, 2);
      let re: RegExp;
      try {
        re = globToRegExp(pattern, delims);
      } catch (e) {
        throw fail('glob.match', (e as Error).message);
      }
      return re.test(s);
    },
  });
  registry.register({
    name: 'glob.quote_meta',
    args: ['string'],
    result: 'string',
    impl: (a) => str('glob.quote_meta', a, 0).replace(/[*?\\[\]{}]/g, '\\$&'),
  });
}
