/**
 * Go RE2 syntax to JS RegExp (unicode mode), with a compile cache, and Go's regexp match
 * iteration (FindAll, Split, ReplaceAllString). Differences handled: leading `(?flags)`,
 * `\A` `\z`, `\Q..\E`, `(?P<name>`, POSIX classes `[[:alpha:]]`, `\pL`, escaped punctuation.
 */
import { LruCache } from './args';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

export class RegexSyntaxError extends Error {}

function escapeLiteral(ch: string): string {
  return JS_SYNTAX.has(ch) || ch === '-' ? '\\' + ch : ch;
}

/** Translates a Go regexp to [source, flags] for `new RegExp`. */
export function translate(pattern: string): [string, string] {
  let flags = 'u';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'U') throw new RegexSyntaxError('invalid or unsupported Perl syntax: `(?U`');
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined)
        throw new RegexSyntaxError('trailing backslash at end of expression: ``');
      if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const lit = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += Array.from(lit).map(escapeLiteral).join('');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (!inClass && d === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && d === 'z') out += '(?![\\s\\S])';
      else if (d === 'p' || d === 'P') {
        const braced = pattern[i + 2] === '{';
        const end = braced ? pattern.indexOf('}', i + 3) : i + 3;
        if (end < 0) throw new RegexSyntaxError('invalid character class range');
        let name = braced ? pattern.slice(i + 3, end) : pattern.slice(i + 2, end);
        let neg = d === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        // Go names scripts bare (\p{Greek}); JS wants \p{Script=Greek}.
        const prop = /^[A-Z][a-z]?$/.test(name) || name === 'Any' ? name : `Script=${name}`;
        out += '\\' + (neg ? 'P' : 'p') + '{' + prop + '}';
        i = braced ? end + 1 : end;
        continue;
      } else if (/[A-Za-z0-9]/.test(d)) out += '\\' + d;
      else out += JS_SYNTAX.has(d) || d === '-' ? '\\' + d : d;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          let name = pattern.slice(i + 2, end);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const cls = POSIX[name];
          if (cls === undefined)
            throw new RegexSyntaxError(`invalid character class range: \`[:${name}:]\``);
          if (neg) throw new RegexSyntaxError('negated POSIX classes are not supported');
          out += cls;
          i = end + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 4;
      continue;
    }
    if (c === '{' || c === '}') {
      const rep = c === '{' ? /^\{\d+(,\d*)?\}/.exec(pattern.slice(i)) : null;
      if (rep) {
        out += rep[0];
        i += rep[0].length;
      } else {
        out += '\\' + c;
        i++;
      }
      continue;
    }
    if (c === '/') {
      out += '\\/';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return [out, flags];
}

const cache = new LruCache<RegExp | RegexSyntaxError>(512);

/** Compiled (cached) global RegExp for a Go pattern; throws RegexSyntaxError. Reset lastIndex before use. */
export function compileGo(pattern: string): RegExp {
  const r = cache.get(pattern, () => {
    try {
      const [src, flags] = translate(pattern);
      return new RegExp(src, flags + 'g');
    } catch (e) {
      return e instanceof RegexSyntaxError ? e : new RegexSyntaxError((e as Error).message);
    }
  });
  if (r instanceof RegexSyntaxError) throw r;
  return r;
}

export function goTest(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

/** Go's FindAll: at most n matches (n < 0: all); empty matches abutting a previous match are skipped. */
export function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n === 0) return out;
  re.lastIndex = 0;
  let prevEnd = -1;
  while (n < 0 || out.length < n) {
    const m = re.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      if (m.index !== prevEnd) out.push(m);
      const cp = s.codePointAt(m.index);
      re.lastIndex = m.index + (cp !== undefined && cp > 0xffff ? 2 : 1);
      if (m.index >= s.length) break;
    } else {
      out.push(m);
      re.lastIndex = end;
    }
    prevEnd = end;
  }
  return out;
}

export function goSplit(re: RegExp, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s, -1)) {
    end = m.index;
    const mEnd = m.index + m[0].length;
    if (mEnd !== 0) out.push(s.slice(beg, end));
    beg = mEnd;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function expand(template: string, m: RegExpExecArray): string {
  if (!template.includes('$')) return template;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (next === '{') {
      const end = template.indexOf('}', i + 2);
      const cand = end > 0 ? template.slice(i + 2, end) : '';
      if (end > 0 && /^[A-Za-z0-9_]+$/.test(cand)) {
        name = cand;
        i = end;
      }
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (mm) {
        name = mm[0];
        i += name.length;
      }
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    if (/^[0-9]+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}

export function goReplaceAll(re: RegExp, s: string, template: string): string {
  let out = '';
  let last = 0;
  for (const m of findAll(re, s, -1)) {
    out += s.slice(last, m.index) + expand(template, m);
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}
