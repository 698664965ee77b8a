import type { BuiltinRegistry } from '../builtins/builtin.types';
import { RegoParseFailure, type RegoErrorInfo } from '../errors';
import type { Annotations } from '../syntax/annotations';
import type { Loc, Module, Rule, Term } from '../syntax/ast';
import { fromJSON, type Value } from '../value';
import { parseModule, parseQuery } from '../syntax/parser';
import type { CBody, CRule, CTerm } from './plan';
import { RuleNode } from './plan';
import { checkRecursion } from './recursion';
import {
  checkClosures,
  refOutputs,
  reorderBody,
  reportUnsafe,
  termVars,
  type SafetyContext,
} from './safety';
import { Scope, termVarNames } from './scope';
import { TermCompiler, type ModuleContext } from './terms';
import { checkCalls, checkCallsInBody } from './typecheck';
import { walkBody, walkTerm } from './walk';

/**
 * The compiler (as OPA v1/ast/compile.go, in stage order):
 *  1. parse          modules -> AST (rego_parse_error)
 *  2. ruleTree       index rules by path, check kinds/arity/defaults (rego_type_error)
 *  3. resolveRefs    names -> slots or data/input refs, with imports (in TermCompiler)
 *  4. safety         reorder bodies, unsafe variables (rego_unsafe_var_error)
 *  5. recursion      cycles between rules (rego_recursion_error)
 *  6. typeCheck      built-in arity (rego_type_error)
 * Each stage reads the previous stage's output only; errors of all stages are collected.
 */
export interface Plan {
  root: RuleNode;
  modules: Module[];
  packages: string[];
  builtins: BuiltinRegistry;
}

export interface CompiledQuery {
  body: CBody;
  frameSize: number;
  /** Reported variables (user-named, in first-appearance order). */
  vars: [string, number][];
}

const EMPTY: Set<number> = new Set();

export function parseModules(
  sources: { path: string; source: string }[],
  errors: RegoErrorInfo[],
): Module[] {
  const modules: Module[] = [];
  for (const s of sources) {
    try {
      modules.push(parseModule(s.source, s.path));
    } catch (e) {
      if (e instanceof RegoParseFailure) errors.push(e.info);
      else throw e;
    }
  }
  return modules;
}

interface HeadInfo {
  kind: 'complete' | 'set' | 'object' | 'function';
  path: string[];
  keys: Term[];
}

function headInfo(rule: Rule, pkg: string[]): HeadInfo {
  const ref = rule.head.ref;
  const first = (ref[0] as { name: string }).name;
  const path = [...pkg, first];
  let i = 1;
  for (; i < ref.length; i++) {
    const t = ref[i];
    if (t.type !== 'scalar' || typeof t.value !== 'string') break;
    path.push(t.value);
  }
  const keys = ref.slice(i);
  if (rule.head.args) return { kind: 'function', path, keys };
  if (rule.head.contains) return { kind: 'set', path, keys };
  return { kind: keys.length ? 'object' : 'complete', path, keys };
}

/** Stage 2: rule tree. Nodes are created for every rule path and package. */
function buildTree(modules: Module[], errors: RegoErrorInfo[]): RuleNode {
  const root = new RuleNode([], 'data');
  for (const m of modules) {
    let pn = root;
    for (const k of m.pkg) pn = pn.child(k);
    for (const r of m.rules) {
      const h = headInfo(r, m.pkg);
      let node = root;
      for (const k of h.path) node = node.child(k);
      const err = (msg: string): void =>
        void errors.push({ code: 'rego_type_error', message: msg, location: r.loc });
      if (h.kind === 'function' && h.keys.length)
        err(`function ${node.name} must have a static name`);
      if (node.kind && node.kind !== h.kind) {
        err(`conflicting rules ${node.name} found`);
        continue;
      }
      node.kind = h.kind;
      if (h.kind === 'function') {
        const ar = r.head.args!.length;
        if (node.arity >= 0 && node.arity !== ar) err(`conflicting rules ${node.name} found`);
        node.arity = ar;
      }
      if (r.isDefault) {
        if (node.defaultRule) err(`multiple default rules ${node.name} found`);
      }
    }
  }
  return root;
}

/** Compiles modules into a plan; errors of every stage go to `errors`. */
export function compileModules(
  modules: Module[],
  builtins: BuiltinRegistry,
  errors: RegoErrorInfo[],
): Plan {
  const root = buildTree(modules, errors);
  const globalsByPkg = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.pkg.join('.');
    const g = globalsByPkg.get(key) ?? new Set<string>();
    for (const r of m.rules) g.add((r.head.ref[0] as { name: string }).name);
    globalsByPkg.set(key, g);
  }
  const names = new Map<number, string>();
  const annotationIndex = indexAnnotations(modules);
  for (const m of modules) {
    const imports = new Map<string, Term[]>();
    for (const imp of m.imports) {
      const terms = imp.path.type === 'ref' ? imp.path.terms : [imp.path];
      const head = (terms[0] as { name: string }).name;
      if (head === 'future' || head === 'rego') continue;
      const last = terms[terms.length - 1];
      const alias =
        imp.alias ??
        (terms.length === 1
          ? head
          : typeof (last as { value?: unknown }).value === 'string'
            ? (last as { value: string }).value
            : undefined);
      if (alias && (alias !== head || terms.length > 1)) imports.set(alias, terms);
    }
    const ctx: ModuleContext = {
      file: m.file,
      pkg: m.pkg,
      globals: globalsByPkg.get(m.pkg.join('.'))!,
      imports,
      root,
      builtins,
      errors,
    };
    for (const r of m.rules) {
      const h = headInfo(r, m.pkg);
      let node = root;
      for (const k of h.path) node = node.child(k);
      if (node.kind !== h.kind) continue;
      ctx.metadata = metadataOf(r, h.path, m.pkg, annotationIndex);
      const cr = compileRule(r, h, ctx, names);
      if (r.isDefault) node.defaultRule = cr;
      else node.rules.push(cr);
    }
  }
  numberNodes(root);
  checkRecursion(root, errors);
  checkCalls(root, errors);
  return { root, modules, packages: [...new Set(modules.map((m) => m.pkg.join('.')))], builtins };
}

function collectNames(t: CTerm, names: Map<number, string>): void {
  const visit = (x: CTerm): void => {
    if (x.t === 'var') names.set(x.slot, x.name);
  };
  walkTerm(t, visit);
}

/**
 * Function parameters that are template strings become variables checked in the body
 * (`f($"{x}") if x = ...` reads `f(p) if { x = ...; p = $"{x}" }`), as OPA rewrites them.
 */
function rewriteTemplateParams(r: Rule): Rule {
  const args = r.head.args;
  if (!args || !args.some((a) => a.type === 'template')) return r;
  const extra: Rule['body'] = [];
  const newArgs = args.map((a, i) => {
    if (a.type !== 'template') return a;
    const v: Term = { type: 'var', name: `$param${i}`, loc: a.loc };
    extra.push({ kind: 'unify', lhs: v, rhs: a, negated: false, with: [], loc: a.loc });
    return v;
  });
  return { ...r, head: { ...r.head, args: newArgs }, body: [...r.body, ...extra] };
}

function compileRule(r0: Rule, h: HeadInfo, ctx: ModuleContext, names: Map<number, string>): CRule {
  const r = rewriteTemplateParams(r0);
  const counter = { n: 0 };
  const scope = new Scope(null, counter);
  const tc = new TermCompiler(ctx);
  const paramNames = new Set<string>();
  for (const a of r.head.args ?? []) termVarNames(a, paramNames);
  for (const n of paramNames) scope.declare(n);
  const headTerms: Term[] = [...h.keys];
  if (r.head.value) headTerms.push(r.head.value);
  if (r.head.contains) headTerms.push(r.head.contains);
  tc.declareBodyVars(scope, r.body, headTerms, false);
  const params = (r.head.args ?? []).map((a) => tc.term(a, scope));
  const body = tc.body(r.body, scope);
  const keys = h.keys.map((k) => tc.term(k, scope));
  const valueAst = r.head.contains ?? r.head.value;
  const value: CTerm = valueAst ? tc.term(valueAst, scope) : { t: 'const', v: true };
  const sctx: SafetyContext = { names, errors: ctx.errors };
  for (const p of params) collectNames(p, names);
  walkBody(body, (t) => t.t === 'var' && names.set(t.slot, t.name));
  keys.forEach((k) => collectNames(k, names));
  collectNames(value, names);
  const paramSlots = new Set<number>();
  params.forEach((p) => termVars(p, paramSlots));
  const safe = reorderBody(body, paramSlots, sctx);
  if (safe) {
    const hv = new Set<number>();
    keys.forEach((k) => termVars(k, hv));
    termVars(value, hv);
    // Refs in the head iterate like body expressions (`q := xs[_]`).
    const outs = new Set<number>();
    keys.forEach((k) => refOutputs(k, safe, outs));
    refOutputs(value, safe, outs);
    const bad = [...hv].filter((v) => !safe.has(v) && !outs.has(v));
    if (bad.length) reportUnsafe(sctx, bad, r.loc, [...keys, value]);
    // Comprehensions in the head see what the body bound.
    const headSafe = new Set([...safe, ...outs]);
    keys.forEach((k) => checkClosures(k, headSafe, sctx, r.loc));
    checkClosures(value, headSafe, sctx, r.loc);
  }
  const cr: CRule = {
    kind: h.kind,
    path: h.path,
    keys,
    value,
    params,
    body,
    frameSize: counter.n,
    isDefault: r.isDefault,
    loc: r.loc,
    constValue: value.t === 'const' && keys.every((k) => k.t === 'const'),
    text: r.text,
    pkg: ctx.pkg,
    code: undefined,
  };
  if (r.isDefault) {
    const vs = new Set<number>();
    termVars(value, vs);
    if (vs.size)
      ctx.errors.push({
        code: 'rego_type_error',
        message: 'default rule value cannot contain var',
        location: r.loc,
      });
  }
  if (r.elseRule) {
    const er = r.elseRule;
    const eh = { ...er, head: { ...er.head, args: r.head.args, ref: r.head.ref } };
    cr.elseRule = compileRule(eh, h, ctx, names);
  }
  return cr;
}

/** Dense node ids, so the evaluator's memo is a small packed array. */
function numberNodes(root: RuleNode): void {
  let n = 0;
  const visit = (node: RuleNode): void => {
    node.id = n++;
    node.children.forEach(visit);
  };
  visit(root);
  root.size = n;
}

interface AnnotationIndex {
  /** package path -> package-scope annotations */
  pkg: Map<string, Annotations>;
  /** package path -> subpackages-scope annotations */
  sub: Map<string, Annotations>;
  /** rule path -> document-scope annotations */
  doc: Map<string, Annotations>;
}

function indexAnnotations(modules: Module[]): AnnotationIndex {
  const idx: AnnotationIndex = { pkg: new Map(), sub: new Map(), doc: new Map() };
  for (const m of modules) {
    const a = m.annotations;
    if (a) (a.scope === 'subpackages' ? idx.sub : idx.pkg).set(m.pkg.join('.'), a);
    for (const r of m.rules) {
      if (r.annotations?.scope === 'document')
        idx.doc.set(headInfo(r, m.pkg).path.join('.'), r.annotations);
    }
  }
  return idx;
}

/** rego.metadata.rule() and rego.metadata.chain() for one rule (OPA's annotation chain order). */
function metadataOf(
  r: Rule,
  path: string[],
  pkg: string[],
  idx: AnnotationIndex,
): { rule: Value; chain: Value } {
  const own = r.annotations && r.annotations.scope === 'rule' ? r.annotations : undefined;
  const chain: unknown[] = [own ? { path, annotations: own } : { path }];
  const doc = idx.doc.get(path.join('.'));
  if (doc) chain.push({ path, annotations: doc });
  for (let n = pkg.length; n >= 0; n--) {
    const p = pkg.slice(0, n).join('.');
    const a = n === pkg.length ? idx.pkg.get(p) : undefined;
    if (a) chain.push({ path: pkg.slice(0, n), annotations: a });
    const sub = idx.sub.get(p);
    if (sub) chain.push({ path: pkg.slice(0, n), annotations: sub });
  }
  return { rule: fromJSON(own ?? {}), chain: fromJSON(chain) };
}

/** Compiles an ad-hoc query against a plan (OPA's query compiler). */
export function compileQuery(
  plan: Plan,
  query: string,
  errors: RegoErrorInfo[],
): CompiledQuery | null {
  let ast;
  try {
    ast = parseQuery(query);
  } catch (e) {
    if (e instanceof RegoParseFailure) {
      errors.push(e.info);
      return null;
    }
    throw e;
  }
  const counter = { n: 0 };
  const scope = new Scope(null, counter);
  const ctx: ModuleContext = {
    file: 'query',
    pkg: [],
    globals: new Set(),
    imports: new Map(),
    root: plan.root,
    builtins: plan.builtins,
    errors,
  };
  const tc = new TermCompiler(ctx);
  tc.declareBodyVars(scope, ast, [], false);
  const body = tc.body(ast, scope);
  const names = new Map<number, string>();
  walkBody(body, (t) => t.t === 'var' && names.set(t.slot, t.name));
  const vars: [string, number][] = [];
  const seen = new Set<number>();
  walkBody(body, (t) => {
    if (
      t.t === 'var' &&
      !t.name.startsWith('$') &&
      !seen.has(t.slot) &&
      !isClosureLocal(body, t.slot)
    ) {
      seen.add(t.slot);
      vars.push([t.name, t.slot]);
    }
  });
  const before = errors.length;
  reorderBody(body, EMPTY, { names, errors });
  checkCallsInBody(body, errors);
  if (errors.length > before) return null;
  return { body, frameSize: counter.n, vars };
}

/** Only top-level query variables are reported, not those local to comprehensions. */
function isClosureLocal(body: CBody, slot: number): boolean {
  const top = new Set<number>();
  for (const e of body) {
    const v = new Set<number>();
    switch (e.k) {
      case 'term':
        termVars(e.term, v);
        break;
      case 'unify':
        termVars(e.a, v);
        termVars(e.b, v);
        break;
      case 'somein':
        if (e.key) termVars(e.key, v);
        termVars(e.value, v);
        termVars(e.coll, v);
        break;
      case 'every':
        termVars(e.domain, v);
        break;
    }
    v.forEach((x) => top.add(x));
  }
  return !top.has(slot);
}

export type { Loc };
