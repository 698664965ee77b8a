import type { BuiltinRegistry } from '../builtins/builtin.types';
import type { RegoErrorInfo } from '../errors';
import type { Body, Expr, Loc, Term } from '../syntax/ast';
import { RegoObject, RegoSet, keyOf, type Value } from '../value';
import type { CBody, CExpr, CallTarget, CTerm, CWith } from './plan';
import { RuleNode } from './plan';
import { Scope, bodyVarNames, termVarNames } from './scope';

/** Evaluator-implemented functions (relations and internals), as OPA's topdown handles them. */
export const SPECIAL_FUNCTIONS: Record<string, number> = {
  'internal.member_2': 2,
  'internal.member_3': 3,
  walk: 1,
  print: -1,
  'internal.print': -1,
  'rego.metadata.rule': 0,
  'rego.metadata.chain': 0,
};

export interface ModuleContext {
  file: string;
  pkg: string[];
  /** Rule names (first head segment) of the package: vars with these names are refs. */
  globals: Set<string>;
  /** Import alias -> ref terms. */
  imports: Map<string, Term[]>;
  root: RuleNode;
  builtins: BuiltinRegistry;
  errors: RegoErrorInfo[];
  /** rego.metadata.rule() / chain() of the rule being compiled (constants). */
  metadata?: { rule: Value; chain: Value };
}

/** Resolves names (OPA ResolveRefs) and gives variables slots while turning AST into plan terms. */
export class TermCompiler {
  constructor(readonly ctx: ModuleContext) {}

  private err(code: string, message: string, loc: Loc): void {
    this.ctx.errors.push({ code, message, location: loc });
  }

  /** Expand a var name that is global (rule, import, input, data) into ref terms; null if local. */
  globalRef(name: string, loc: Loc, scope: Scope): Term[] | null {
    if (scope.lookup(name) !== undefined) return null;
    if (name === 'input' || name === 'data') return [{ type: 'var', name, loc }];
    const imp = this.ctx.imports.get(name);
    if (imp) return imp;
    if (this.ctx.globals.has(name)) {
      return [
        { type: 'var', name: 'data', loc },
        ...this.ctx.pkg.map((p) => ({ type: 'scalar' as const, value: p, loc })),
        { type: 'scalar', value: name, loc },
      ];
    }
    return null;
  }

  isGlobal(name: string): boolean {
    return (
      name === 'input' ||
      name === 'data' ||
      this.ctx.imports.has(name) ||
      this.ctx.globals.has(name)
    );
  }

  /** Declare the implicit locals of a body (and extra terms such as a rule head) in `scope`. */
  declareBodyVars(scope: Scope, body: Body, extra: Term[], closure: boolean): void {
    const used = new Set<string>();
    const declared = new Set<string>();
    bodyVarNames(body, used, declared);
    for (const t of extra) termVarNames(t, used);
    for (const n of declared) scope.declare(n);
    scope.hideUntilDeclared(declared);
    for (const n of used) {
      if (scope.has(n)) continue;
      if (closure && scope.lookupVisible(n) !== undefined) continue;
      if (this.isGlobal(n)) continue;
      scope.declare(n);
    }
  }

  term(t: Term, scope: Scope): CTerm {
    switch (t.type) {
      case 'scalar':
        return { t: 'const', v: t.value };
      case 'var': {
        const slot = scope.lookup(t.name);
        if (slot !== undefined) return { t: 'var', slot, name: t.name, loc: t.loc };
        const g = this.globalRef(t.name, t.loc, scope);
        if (g) return this.refTerms(g, [], scope);
        return { t: 'var', slot: scope.declare(t.name), name: t.name, loc: t.loc };
      }
      case 'ref': {
        const head = t.terms[0];
        if (head.type === 'var' && scope.lookup(head.name) === undefined) {
          const g = this.globalRef(head.name, head.loc, scope);
          if (g) return this.refTerms(g, t.terms.slice(1), scope);
        }
        const h = this.term(head, scope);
        return {
          t: 'ref',
          head: h,
          path: t.terms.slice(1).map((x) => withKey(this.term(x, scope))),
        };
      }
      case 'array':
        return foldConst({ t: 'array', items: t.items.map((x) => this.term(x, scope)) });
      case 'set':
        return foldConst({ t: 'set', items: t.items.map((x) => this.term(x, scope)) });
      case 'object':
        return foldConst({
          t: 'object',
          items: t.items.map(
            ([k, v]) => [this.term(k, scope), this.term(v, scope)] as [CTerm, CTerm],
          ),
        });
      case 'arraycomp':
      case 'setcomp': {
        const inner = new Scope(scope, counterOf(scope));
        this.declareBodyVars(inner, t.body, [t.head], true);
        const body = this.body(t.body, inner);
        const head = this.term(t.head, inner);
        if (t.type === 'arraycomp' && t.spread)
          return { t: 'arraycomp', head, body, ls: inner.start, spread: true };
        return { t: t.type, head, body, ls: inner.start };
      }
      case 'objectcomp': {
        const inner = new Scope(scope, counterOf(scope));
        this.declareBodyVars(inner, t.body, [t.key, t.value], true);
        const body = this.body(t.body, inner);
        return {
          t: 'objectcomp',
          key: this.term(t.key, inner),
          value: this.term(t.value, inner),
          body,
          ls: inner.start,
        };
      }
      case 'call':
        return this.call(t, scope);
      case 'template':
        return {
          t: 'template',
          parts: t.parts.map((p) => (typeof p === 'string' ? p : this.term(p, scope))),
          loc: t.loc,
        };
    }
  }

  private refTerms(prefix: Term[], rest: Term[], scope: Scope): CTerm {
    const headName = (prefix[0] as { name: string }).name;
    const path = [...prefix.slice(1), ...rest].map((x) => withKey(this.term(x, scope)));
    if (headName === 'input') return { t: 'input', path };
    let node = this.ctx.root;
    let depth = 0;
    let open = true;
    for (const p of path) {
      if (node.hasRules) break;
      if (p.t !== 'const') break;
      const c = typeof p.v === 'string' ? node.children.get(p.v) : undefined;
      if (!c) {
        open = false;
        break;
      }
      node = c;
      depth++;
    }
    return { t: 'data', path, node, depth, open: open || node.hasRules };
  }

  /** Dotted name of a call operator, with imports and package-local rules resolved. */
  resolveFunction(op: Term, scope: Scope, loc: Loc): CallTarget {
    const terms = op.type === 'ref' ? op.terms : [op];
    const head = terms[0];
    if (head.type !== 'var') return { kind: 'unknown', name: '?' };
    const names: string[] = [head.name];
    for (const x of terms.slice(1)) {
      if (x.type !== 'scalar' || typeof x.value !== 'string') {
        this.err('rego_type_error', 'function name must be a ref of strings', loc);
        return { kind: 'unknown', name: '?' };
      }
      names.push(x.value);
    }
    const dotted = names.join('.');
    if (
      names.length === 1 &&
      SPECIAL_FUNCTIONS[dotted] !== undefined &&
      !this.ctx.globals.has(dotted)
    )
      return { kind: 'special', name: dotted };
    let full: string[] | null = null;
    if (head.name === 'data') full = names.slice(1);
    else if (scope.lookup(head.name) === undefined) {
      const imp = this.ctx.imports.get(head.name);
      if (imp && (imp[0] as { name: string }).name === 'data') {
        full = [...imp.slice(1).map((x) => (x as { value: string }).value), ...names.slice(1)];
      } else if (this.ctx.globals.has(head.name)) full = [...this.ctx.pkg, ...names];
    }
    if (full) {
      let node: RuleNode | undefined = this.ctx.root;
      for (const k of full) node = node?.children.get(k);
      if (node && node.kind === 'function') return { kind: 'user', name: node.name, node };
      if (node && node.hasRules) return { kind: 'user', name: node.name, node };
    }
    if (SPECIAL_FUNCTIONS[dotted] !== undefined) return { kind: 'special', name: dotted };
    const decl = this.ctx.builtins.get(dotted);
    if (decl) return { kind: 'builtin', name: dotted, decl };
    return { kind: 'unknown', name: full ? ['data', ...full].join('.') : dotted };
  }

  private call(t: Extract<Term, { type: 'call' }>, scope: Scope): CTerm {
    const fn = this.resolveFunction(t.op, scope, t.loc);
    if (fn.kind === 'unknown') this.err('rego_type_error', `undefined function ${fn.name}`, t.loc);
    // Annotations are known at compile time: the metadata calls are constants of their rule.
    if (fn.kind === 'special' && fn.name === 'rego.metadata.rule')
      return { t: 'const', v: this.ctx.metadata?.rule ?? new RegoObject() };
    if (fn.kind === 'special' && fn.name === 'rego.metadata.chain')
      return { t: 'const', v: this.ctx.metadata?.chain ?? [] };
    return { t: 'call', fn, args: t.args.map((a) => this.term(a, scope)), loc: t.loc };
  }

  body(body: Body, scope: Scope): CBody {
    return body.map((e) => this.expr(e, scope));
  }

  private expr(e: Expr, scope: Scope): CExpr {
    const out = this.expr0(e, scope);
    const names = new Set<string>();
    if (e.kind === 'assign') termVarNames(e.lhs, names);
    else if (e.kind === 'some') e.vars.forEach((v) => v.type === 'var' && names.add(v.name));
    else if (e.kind === 'somein') {
      if (e.key) termVarNames(e.key, names);
      termVarNames(e.value, names);
    }
    if (names.size) scope.revealDeclared(names);
    return out;
  }

  private expr0(e: Expr, scope: Scope): CExpr {
    const withs = e.with.map((w) => this.withMod(w, scope));
    const base = { neg: e.negated, with: withs, loc: e.loc };
    switch (e.kind) {
      case 'term':
        return { k: 'term', term: this.term(e.term, scope), ...base };
      case 'unify':
        return { k: 'unify', a: this.term(e.lhs, scope), b: this.term(e.rhs, scope), ...base };
      case 'assign': {
        const names = new Set<string>();
        termVarNames(e.lhs, names);
        for (const n of names) {
          if (n.startsWith('$')) continue;
          if (scope.assigned.has(n))
            this.err('rego_compile_error', `var ${n} assigned above`, e.loc);
          scope.assigned.add(n);
        }
        return { k: 'unify', a: this.term(e.lhs, scope), b: this.term(e.rhs, scope), ...base };
      }
      case 'some':
        return { k: 'some', ...base };
      case 'somein':
        return {
          k: 'somein',
          key: e.key && this.term(e.key, scope),
          value: this.term(e.value, scope),
          coll: this.term(e.collection, scope),
          ...base,
        };
      case 'every': {
        const domain = this.term(e.domain, scope);
        const inner = new Scope(scope, counterOf(scope));
        const lhs = new Set<string>();
        if (e.key) termVarNames(e.key, lhs);
        termVarNames(e.value, lhs);
        lhs.forEach((n) => inner.declare(n));
        this.declareBodyVars(inner, e.body, [], true);
        const key = e.key && this.term(e.key, inner);
        const value = this.term(e.value, inner);
        return {
          k: 'every',
          key,
          value,
          domain,
          body: this.body(e.body, inner),
          ls: inner.start,
          ...base,
        };
      }
    }
  }

  private withMod(w: Expr['with'][number], scope: Scope): CWith {
    const terms = w.target.type === 'ref' ? w.target.terms : [w.target];
    const head = terms[0] as Extract<Term, { type: 'var' }>;
    const strs = terms
      .slice(1)
      .map((x) => (x.type === 'scalar' && typeof x.value === 'string' ? x.value : null));
    if (strs.some((x) => x === null))
      this.err('rego_type_error', 'with target must be a ref of strings', w.loc);
    const path = strs as string[];
    const valueFn = (): CallTarget | undefined => {
      const v = w.value;
      const vt = v.type === 'ref' ? v.terms : [v];
      if (
        vt[0].type !== 'var' ||
        vt.slice(1).some((x) => x.type !== 'scalar' || typeof x.value !== 'string')
      )
        return undefined;
      if (vt.length === 1 && scope.lookup((vt[0] as { name: string }).name) !== undefined)
        return undefined;
      const f = this.resolveFunction(v, scope, w.loc);
      if (f.kind === 'builtin' || f.kind === 'special') return f;
      if (f.kind === 'user' && f.node.kind === 'function') return f;
      return undefined;
    };
    if (head.name === 'input' && scope.lookup('input') === undefined) {
      return { kind: 'input', path, value: this.term(w.value, scope), loc: w.loc };
    }
    if (head.name === 'data' && scope.lookup('data') === undefined) {
      let node: RuleNode | undefined = this.ctx.root;
      for (const k of path) node = node?.children.get(k);
      if (node && node.kind === 'function') {
        const fnTarget = valueFn();
        return {
          kind: 'fn',
          path,
          fnName: node.name,
          // A function replacing a function is called, never evaluated as a value.
          value: fnTarget ? NULL_TERM : this.term(w.value, scope),
          fnTarget,
          loc: w.loc,
        };
      }
      return { kind: 'data', path, value: this.term(w.value, scope), loc: w.loc };
    }
    const target = this.resolveFunction(w.target, scope, w.loc);
    if (target.kind === 'user' && target.node.kind !== 'function') {
      return { kind: 'data', path: target.node.path, value: this.term(w.value, scope), loc: w.loc };
    }
    if (target.kind === 'unknown')
      this.err(
        'rego_compile_error',
        `with keyword target must reference existing input, data, or a function`,
        w.loc,
      );
    const fnTarget = valueFn();
    return {
      kind: 'fn',
      path: [],
      fnName: target.name,
      value: fnTarget ? NULL_TERM : this.term(w.value, scope),
      fnTarget,
      loc: w.loc,
    };
  }
}

const NULL_TERM: CTerm = { t: 'const', v: null };

/** Constant ref keys carry their hash key, so lookups do not recompute it per evaluation. */
function withKey(t: CTerm): CTerm {
  return t.t === 'const' ? { t: 'const', v: t.v, k: keyOf(t.v) } : t;
}

function counterOf(scope: Scope): { n: number } {
  return (scope as unknown as { counter: { n: number } }).counter;
}

/** Ground composite literals become constants at compile time. */
export function foldConst(t: CTerm): CTerm {
  if (t.t === 'array' && t.items.every((x) => x.t === 'const'))
    return { t: 'const', v: t.items.map((x) => (x as { v: Value }).v) };
  if (t.t === 'set' && t.items.every((x) => x.t === 'const'))
    return { t: 'const', v: RegoSet.of(t.items.map((x) => (x as { v: Value }).v)) };
  if (t.t === 'object' && t.items.every(([k, v]) => k.t === 'const' && v.t === 'const')) {
    return {
      t: 'const',
      v: RegoObject.fromEntries(
        t.items.map(([k, v]) => [(k as { v: Value }).v, (v as { v: Value }).v]),
      ),
    };
  }
  return t;
}
