import type { Body, Expr, Term } from '../syntax/ast';

/**
 * Lexical scopes of one rule (OPA rewriteLocalVars): every variable gets a frame slot.
 * Comprehension and `every` bodies are closures: they see the enclosing scope and declare
 * their own variables (explicitly with `some`/`:=`, or implicitly by first use).
 */
export class Scope {
  private readonly names = new Map<string, number>();
  /** Names assigned with `:=` in this scope (a second `:=` is an error). */
  readonly assigned = new Set<string>();
  readonly start: number;

  constructor(
    readonly parent: Scope | null,
    private readonly counter: { n: number },
  ) {
    this.start = counter.n;
  }
  /**
   * Names this body declares (`:=`, `some`) in an expression not yet compiled. A closure
   * before the declaration does not see them (OPA rewriteLocalVars renames a declared var
   * from its declaration on): `[x | x = 1]` ahead of `x := 2` has its own x.
   */
  private pending: Set<string> | null = null;

  lookup(name: string): number | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
  /** lookup() as a closure sees it: names declared further down this body are skipped. */
  lookupVisible(name: string): number | undefined {
    const s = this.pending?.has(name) ? undefined : this.names.get(name);
    return s ?? this.parent?.lookupVisible(name);
  }
  hideUntilDeclared(names: Iterable<string>): void {
    this.pending = new Set(names);
  }
  revealDeclared(names: Iterable<string>): void {
    if (this.pending) for (const n of names) this.pending.delete(n);
  }
  has(name: string): boolean {
    return this.names.has(name);
  }
  declare(name: string): number {
    let s = this.names.get(name);
    if (s === undefined) {
      s = this.counter.n++;
      this.names.set(name, s);
    }
    return s;
  }
  get size(): number {
    return this.counter.n;
  }
}

/** Var names of a term outside closures (comprehensions). */
export function termVarNames(t: Term, out: Set<string>): void {
  switch (t.type) {
    case 'var':
      out.add(t.name);
      return;
    case 'ref':
      t.terms.forEach((x) => termVarNames(x, out));
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => termVarNames(x, out));
      return;
    case 'object':
      t.items.forEach(([k, v]) => {
        termVarNames(k, out);
        termVarNames(v, out);
      });
      return;
    case 'call':
      t.args.forEach((x) => termVarNames(x, out));
      return;
    case 'template':
      t.parts.forEach((p) => typeof p !== 'string' && termVarNames(p, out));
      return;
    default:
      return;
  }
}

/**
 * Names used in a body outside closures, and those declared explicitly (some, :=, some-in
 * variables), which shadow globals and enclosing scopes.
 */
export function bodyVarNames(body: Body, used: Set<string>, declared: Set<string>): void {
  for (const e of body) exprVarNames(e, used, declared);
}

function exprVarNames(e: Expr, used: Set<string>, declared: Set<string>): void {
  switch (e.kind) {
    case 'term':
      termVarNames(e.term, used);
      break;
    case 'unify':
      termVarNames(e.lhs, used);
      termVarNames(e.rhs, used);
      break;
    case 'assign': {
      const lhs = new Set<string>();
      termVarNames(e.lhs, lhs);
      lhs.forEach((n) => declared.add(n));
      lhs.forEach((n) => used.add(n));
      termVarNames(e.rhs, used);
      break;
    }
    case 'some':
      e.vars.forEach((v) => v.type === 'var' && declared.add(v.name));
      break;
    case 'somein': {
      const lhs = new Set<string>();
      if (e.key) termVarNames(e.key, lhs);
      termVarNames(e.value, lhs);
      lhs.forEach((n) => {
        declared.add(n);
        used.add(n);
      });
      termVarNames(e.collection, used);
      break;
    }
    case 'every':
      termVarNames(e.domain, used);
      break;
  }
  // A bare name as a with value may be a built-in (`with upper as lower`): it is a local
  // only when the body binds it elsewhere.
  for (const w of e.with) if (w.value.type !== 'var') termVarNames(w.value, used);
}
