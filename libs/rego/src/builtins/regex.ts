/** Regex built-ins (OPA v1/topdown/regex.go, regex_template.go), Go RE2 syntax via re2.ts. */
import { Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { fail, int, LruCache, str } from './args';
import { compileGo, findAll, goReplaceAll, goSplit, goTest, RegexSyntaxError } from './re2';
import { globsIntersect } from './globs-intersect';

function compile(name: string, pattern: string): RegExp {
  try {
    return compileGo(pattern);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw fail(name, `error parsing regexp: ${e.message}`);
    throw e;
  }
}

const templateCache = new LruCache<RegExp | Error>(256);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** gorilla/mux-style template: literal text with `{regex}` parts between the delimiters. */
function compileTemplate(template: string, open: string, close: string): RegExp {
  const key = JSON.stringify([template, open, close]);
  const r = templateCache.get(key, () => {
    let src = '^';
    let level = 0;
    let idx = 0;
    let end = 0;
    for (let i = 0; i < template.length;) {
      if (template.startsWith(open, i)) {
        if (level === 0) idx = i;
        level++;
        i += open.length;
      } else if (template.startsWith(close, i)) {
        level--;
        if (level === 0) {
          src += escapeRegExp(template.slice(end, idx));
          const [inner] = [template.slice(idx + open.length, i)];
          try {
            src += '(' + compileGo(inner).source + ')';
          } catch (e) {
            return e as Error;
          }
          end = i + close.length;
        } else if (level < 0) return new Error(`unbalanced braces in ${JSON.stringify(template)}`);
        i += close.length;
      } else i++;
    }
    if (level !== 0) return new Error(`unbalanced braces in ${JSON.stringify(template)}`);
    src += escapeRegExp(template.slice(end)) + '$';
    return new RegExp(src, 'u');
  });
  if (r instanceof Error) throw fail('regex.template_match', r.message);
  return r;
}

export function register(registry: BuiltinRegistry): void {
  for (const name of ['regex.match', 're_match']) {
    registry.register({
      name,
      args: ['string', 'string'],
      result: 'boolean',
      impl: (a) => goTest(compile(name, str(name, a, 0)), str(name, a, 1)),
    });
  }
  registry.register({
    name: 'regex.is_valid',
    args: ['any'],
    result: 'boolean',
    impl: ([p]) => {
      if (typeof p !== 'string') return false;
      try {
        compileGo(p);
        return true;
      } catch {
        return false;
      }
    },
  });
  registry.register({
    name: 'regex.split',
    args: ['string', 'string'],
    result: 'array',
    impl: (a) => {
      const p = str('regex.split', a, 0);
      return goSplit(compile('regex.split', p), p, str('regex.split', a, 1));
    },
  });
  registry.register({
    name: 'regex.find_n',
    args: ['string', 'string', 'number'],
    result: 'array',
    impl: (a) => {
      const re = compile('regex.find_n', str('regex.find_n', a, 0));
      return findAll(re, str('regex.find_n', a, 1), int('regex.find_n', a, 2)).map((m) => m[0]);
    },
  });
  registry.register({
    name: 'regex.find_all_string_submatch_n',
    args: ['string', 'string', 'number'],
    result: 'array',
    impl: (a) => {
      const name = 'regex.find_all_string_submatch_n';
      const re = compile(name, str(name, a, 0));
      return findAll(re, str(name, a, 1), int(name, a, 2)).map(
        (m) => Array.from(m, (g) => g ?? '') as Value[],
      );
    },
  });
  registry.register({
    name: 'regex.replace',
    args: ['string', 'string', 'string'],
    result: 'string',
    impl: (a) => {
      const s = str('regex.replace', a, 0);
      const re = compile('regex.replace', str('regex.replace', a, 1));
      return goReplaceAll(re, s, str('regex.replace', a, 2));
    },
  });
  registry.register({
    name: 'regex.template_match',
    args: ['string', 'string', 'string', 'string'],
    result: 'boolean',
    impl: (a) => {
      const n = 'regex.template_match';
      const re = compileTemplate(str(n, a, 0), str(n, a, 2), str(n, a, 3));
      return re.test(str(n, a, 1));
    },
  });
  registry.register({
    name: 'regex.globs_match',
    args: ['string', 'string'],
    result: 'boolean',
    impl: (a) => {
      const n = 'regex.globs_match';
      try {
        return globsIntersect(str(n, a, 0), str(n, a, 1));
      } catch (e) {
        if (e instanceof RegexSyntaxError) throw fail(n, e.message);
        throw e;
      }
    },
  });
}
