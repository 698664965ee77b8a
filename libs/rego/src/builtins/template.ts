/**
 * strings.render_template: a subset of Go's text/template over JSON values — `{{.a.b}}`,
 * variables, `if`/`else`/`with`/`range` (with `$i, $x :=`), comparison and logic functions,
 * `len`, `index`, trim markers. Missing keys print `<undefined>` as in OPA.
 */
import { BigNum, compare, equals, RegoObject, RegoSet, Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { fail, LruCache, obj, str } from './args';
import { numberString, regoString } from './format';

type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; expr: string }
  | { t: 'if' | 'with'; expr: string; body: Node[]; alt: Node[] }
  | { t: 'range'; expr: string; keyVar?: string; valVar?: string; body: Node[]; alt: Node[] };

class TemplateError extends Error {}

const MISSING = Symbol('missing');
type TV = Value | typeof MISSING;

function tokenize(src: string): Array<{ text?: string; action?: string }> {
  const out: Array<{ text?: string; action?: string }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action');
    let action = src.slice(open + 2, close);
    if (action.startsWith('- ')) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    i = close + 2;
    if (action.endsWith(' -')) {
      action = action.slice(0, -1);
      while (i < src.length && /\s/.test(src[i])) i++;
    }
    if (text) out.push({ text });
    out.push({ action: action.trim() });
  }
  return out;
}

function parse(src: string): Node[] {
  const toks = tokenize(src);
  let pos = 0;
  const block = (): [Node[], string] => {
    const body: Node[] = [];
    while (pos < toks.length) {
      const tok = toks[pos++];
      if (tok.text !== undefined) {
        body.push({ t: 'text', s: tok.text });
        continue;
      }
      const a = tok.action as string;
      if (a.startsWith('/*')) continue;
      if (a === 'end' || a === 'else' || a.startsWith('else ')) return [body, a];
      const m = /^(if|with|range)\s+(.*)$/s.exec(a);
      if (m) body.push(branch(m[1] as 'if' | 'with' | 'range', m[2]));
      else body.push({ t: 'out', expr: a });
    }
    return [body, 'eof'];
  };
  const branch = (kind: 'if' | 'with' | 'range', text: string): Node => {
    let expr = text;
    let keyVar: string | undefined;
    let valVar: string | undefined;
    if (kind === 'range') {
      const d = /^(\$\w*)\s*(?:,\s*(\$\w*))?\s*:=\s*(.*)$/s.exec(expr);
      if (d) {
        if (d[2]) [keyVar, valVar] = [d[1], d[2]];
        else valVar = d[1];
        expr = d[3];
      }
    }
    const [body, term] = block();
    let alt: Node[] = [];
    if (term === 'else') {
      const [elseBody, t2] = block();
      if (t2 !== 'end') throw new TemplateError(`unexpected ${t2} in ${kind}`);
      alt = elseBody;
    } else if (term.startsWith('else if ')) alt = [branch('if', term.slice(8).trim())];
    else if (term !== 'end') throw new TemplateError(`unexpected ${term} in ${kind}`);
    return kind === 'range'
      ? { t: 'range', expr, keyVar, valVar, body, alt }
      : { t: kind, expr, body, alt };
  };
  const [nodes, term] = block();
  if (term !== 'eof') throw new TemplateError(`unexpected {{${term}}}`);
  return nodes;
}

function truthy(v: TV): boolean {
  if (v === MISSING || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof RegoObject || v instanceof RegoSet) return v.size > 0;
  return true;
}

/** Go fmt %v of a JSON value: `[a b]`, `map[k:v]`, `<nil>`. */
function show(v: TV): string {
  if (v === MISSING) return '<undefined>';
  if (v === null) return '<nil>';
  if (typeof v === 'number') return numberString(v);
  if (v instanceof BigNum) return v.text;
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return '[' + v.map(show).join(' ') + ']';
  if (v instanceof BigNum) return v.text;
  if (v instanceof RegoSet) return '[' + v.sorted().map(show).join(' ') + ']';
  return (
    'map[' +
    v
      .sortedEntries()
      .map(([k, x]) => show(k) + ':' + show(x))
      .join(' ') +
    ']'
  );
}

interface Scope {
  dot: TV;
  vars: Map<string, TV>;
}

function field(v: TV, path: string[]): TV {
  let cur = v;
  for (const p of path) {
    if (!(cur instanceof RegoObject)) return MISSING;
    const next = cur.get(p);
    cur = next === undefined ? MISSING : next;
  }
  return cur;
}

function splitArgs(expr: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\((?:[^()]|\([^()]*\))*\)|[^\s()]+/g;
  for (const m of expr.matchAll(re)) out.push(m[0]);
  return out;
}

const FUNCS: Record<string, (args: TV[]) => TV> = {
  eq: (a) => a.slice(1).some((x) => x !== MISSING && a[0] !== MISSING && equals(a[0], x)),
  ne: (a) => !(a[0] !== MISSING && a[1] !== MISSING && equals(a[0], a[1])),
  lt: (a) => compare(a[0] as Value, a[1] as Value) < 0,
  le: (a) => compare(a[0] as Value, a[1] as Value) <= 0,
  gt: (a) => compare(a[0] as Value, a[1] as Value) > 0,
  ge: (a) => compare(a[0] as Value, a[1] as Value) >= 0,
  not: (a) => !truthy(a[0]),
  and: (a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  len: (a) => {
    const v = a[0];
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v instanceof RegoObject || v instanceof RegoSet) return v.size;
    throw new TemplateError(`len of ${show(v)}`);
  },
  index: (a) => {
    let cur = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(cur) && typeof k === 'number') cur = cur[k] ?? MISSING;
      else if (cur instanceof RegoObject && k !== MISSING) cur = cur.get(k) ?? MISSING;
      else return MISSING;
    }
    return cur;
  },
  print: (a) => a.map(show).join(''),
};

function evalTerm(term: string, scope: Scope): TV {
  if (term.startsWith('(') && term.endsWith(')')) return evalPipeline(term.slice(1, -1), scope);
  if (term === '.') return scope.dot;
  if (term.startsWith('.')) return field(scope.dot, term.slice(1).split('.'));
  if (term.startsWith('$')) {
    const [name, ...path] = term.split('.');
    const v = scope.vars.get(name);
    if (v === undefined) throw new TemplateError(`undefined variable "${name}"`);
    return field(v, path);
  }
  if (term.startsWith('"')) return JSON.parse(term) as string;
  if (term.startsWith('`')) return term.slice(1, -1);
  if (term === 'true' || term === 'false') return term === 'true';
  if (term === 'nil') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(term)) return Number(term);
  throw new TemplateError(`function "${term}" not defined`);
}

function evalPipeline(expr: string, scope: Scope): TV {
  let prev: TV | undefined;
  for (const stage of expr.split(/\s\|\s/)) {
    const parts = splitArgs(stage.trim());
    const fn = FUNCS[parts[0]];
    if (fn) {
      const args = parts.slice(1).map((p) => evalTerm(p, scope));
      if (prev !== undefined) args.push(prev);
      prev = fn(args);
    } else {
      if (parts.length !== 1)
        throw new TemplateError(`can't give argument to non-function ${parts[0]}`);
      prev = evalTerm(parts[0], scope);
    }
  }
  return prev ?? MISSING;
}

function exec(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out += n.s;
        break;
      case 'out':
        out += show(evalPipeline(n.expr, scope));
        break;
      case 'if':
      case 'with': {
        const v = evalPipeline(n.expr, scope);
        if (truthy(v)) out += exec(n.body, n.t === 'with' ? { dot: v, vars: scope.vars } : scope);
        else out += exec(n.alt, scope);
        break;
      }
      case 'range': {
        const v = evalPipeline(n.expr, scope);
        const items: Array<[Value, Value]> = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v instanceof RegoObject
            ? v.sortedEntries()
            : v instanceof RegoSet
              ? v.sorted().map((x, i) => [i, x])
              : [];
        if (items.length === 0) out += exec(n.alt, scope);
        for (const [k, x] of items) {
          const vars = new Map(scope.vars);
          if (n.keyVar) vars.set(n.keyVar, k);
          if (n.valVar) vars.set(n.valVar, x);
          out += exec(n.body, { dot: x, vars });
        }
        break;
      }
    }
  }
  return out;
}

const cache = new LruCache<Node[] | TemplateError>(128);

export function renderTemplate(src: string, vars: RegoObject): string {
  const nodes = cache.get(src, () => {
    try {
      return parse(src);
    } catch (e) {
      return e as TemplateError;
    }
  });
  if (nodes instanceof TemplateError) throw nodes;
  return exec(nodes, { dot: vars, vars: new Map<string, TV>([['$', vars]]) });
}

/** One part of a lowered template string `$"...{x}..."`: literal text, a value, or a set of 0/1 results. */
function templatePart(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || v instanceof BigNum)
    return regoString(v);
  if (v instanceof RegoSet) {
    if (v.size === 0) return '<undefined>';
    if (v.size > 1)
      throw fail('internal.template_string', 'template-strings must not produce multiple outputs');
    const [x] = v.values();
    return typeof x === 'string' ? x : regoString(x);
  }
  throw fail(
    'internal.template_string',
    `illegal argument type: ${Array.isArray(v) ? 'array' : 'object'}`,
  );
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'internal.template_string',
    args: ['array'],
    result: 'string',
    impl: (a) => {
      const parts = a[0];
      if (!Array.isArray(parts)) throw fail('internal.template_string', 'operand 1 must be array');
      let out = '';
      for (const p of parts) out += templatePart(p);
      return out;
    },
  });
  registry.register({
    name: 'strings.render_template',
    args: ['string', 'object'],
    result: 'string',
    impl: (a) => {
      const src = str('strings.render_template', a, 0);
      const vars = obj('strings.render_template', a, 1);
      try {
        return renderTemplate(src, vars);
      } catch (e) {
        if (e instanceof TemplateError)
          throw fail('strings.render_template', `template: ${e.message}`);
        throw e;
      }
    },
  });
}
