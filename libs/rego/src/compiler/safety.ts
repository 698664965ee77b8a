import type { RegoErrorInfo } from '../errors';
import type { Loc } from '../syntax/ast';
import type { CBody, CExpr, CTerm } from './plan';
import { SPECIAL_FUNCTIONS } from './terms';
import { walkBody, walkTerm } from './walk';

/**
 * Safety check and body reordering (OPA compile.go reorderBodyForSafety): every variable must
 * be bound by some expression before it is read. Expressions are moved after the ones that
 * bind their inputs; what cannot be placed is reported as `rego_unsafe_var_error`.
 */
type Slots = Set<number>;

export interface SafetyContext {
  names: Map<number, string>;
  errors: RegoErrorInfo[];
}

/** Every var slot of a term; closures contribute only the slots they capture (< ls). */
export function termVars(t: CTerm, out: Slots): void {
  switch (t.t) {
    case 'const':
      return;
    case 'var':
      out.add(t.slot);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) termVars(x, out);
      return;
    case 'object':
      for (const [k, v] of t.items) {
        termVars(k, out);
        termVars(v, out);
      }
      return;
    case 'ref':
      termVars(t.head, out);
      for (const x of t.path) termVars(x, out);
      return;
    case 'input':
    case 'data':
      for (const x of t.path) termVars(x, out);
      return;
    case 'call':
      for (const x of t.args) termVars(x, out);
      return;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') termVars(p, out);
      return;
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp': {
      const inner: Slots = new Set();
      if (t.t === 'objectcomp') {
        termVars(t.key, inner);
        termVars(t.value, inner);
      } else termVars(t.head, inner);
      for (const e of t.body) exprVars(e, inner);
      for (const s of inner) if (s < t.ls) out.add(s);
      return;
    }
  }
}

export function exprVars(e: CExpr, out: Slots): void {
  switch (e.k) {
    case 'term':
      termVars(e.term, out);
      break;
    case 'unify':
      termVars(e.a, out);
      termVars(e.b, out);
      break;
    case 'somein':
      if (e.key) termVars(e.key, out);
      termVars(e.value, out);
      termVars(e.coll, out);
      break;
    case 'every': {
      termVars(e.domain, out);
      const inner: Slots = new Set();
      for (const x of e.body) exprVars(x, inner);
      for (const s of inner) if (s < e.ls) out.add(s);
      break;
    }
    case 'some':
      break;
  }
  for (const w of e.with) termVars(w.value, out);
}

/** Vars in pattern positions of a ref key (`p[x]`, `p[[x, y]]`): bound by iteration. */
function keyPatternVars(t: CTerm, safe: Slots, out: Slots): void {
  switch (t.t) {
    case 'var':
      if (!safe.has(t.slot)) out.add(t.slot);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) keyPatternVars(x, safe, out);
      return;
    case 'object':
      for (const [, v] of t.items) keyPatternVars(v, safe, out);
      return;
    default:
      refOutputs(t, safe, out);
  }
}

/** Output vars of refs inside a term (OPA outputVarsForTerms). */
export function refOutputs(t: CTerm, safe: Slots, out: Slots): void {
  switch (t.t) {
    case 'ref':
      refOutputs(t.head, safe, out);
      for (const x of t.path) keyPatternVars(x, safe, out);
      return;
    case 'input':
    case 'data':
      for (const x of t.path) keyPatternVars(x, safe, out);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) refOutputs(x, safe, out);
      return;
    case 'object':
      for (const [k, v] of t.items) {
        refOutputs(k, safe, out);
        refOutputs(v, safe, out);
      }
      return;
    case 'call':
      for (const x of t.args) refOutputs(x, safe, out);
      return;
    case 'template':
      return;
    default:
      return;
  }
}

/** Declared arity of a call target (-1: variadic/unknown). */
export function callArity(t: Extract<CTerm, { t: 'call' }>): number {
  switch (t.fn.kind) {
    case 'builtin':
      return t.fn.decl.variadic ? -1 : t.fn.decl.args.length;
    case 'user':
      return t.fn.node.arity;
    case 'special':
      return SPECIAL_FUNCTIONS[t.fn.name];
    default:
      return -1;
  }
}

function subset(a: Slots, b: { has(v: number): boolean }): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** `safe` plus additions, without copying `safe` (bodies can be thousands of expressions). */
class Overlay {
  readonly extra: Slots = new Set();
  constructor(private readonly base: Slots) {}
  has(v: number): boolean {
    return this.base.has(v) || this.extra.has(v);
  }
  add(v: number): this {
    this.extra.add(v);
    return this;
  }
  [Symbol.iterator](): Iterator<number> {
    return [...this.base, ...this.extra][Symbol.iterator]();
  }
}

function unifyOutputs(a: CTerm, b: CTerm, safe: Slots, out: Slots): void {
  const s = new Overlay(safe);
  const pairs: [CTerm, CTerm][] = [[a, b]];
  const pending: [CTerm, CTerm][] = [];
  // Decompose literal arrays/objects of the same shape (OPA outputVarsForExprEq + unify).
  while (pairs.length) {
    const [x, y] = pairs.pop()!;
    if (x.t === 'array' && y.t === 'array' && x.items.length === y.items.length) {
      x.items.forEach((xi, i) => pairs.push([xi, y.items[i]]));
    } else if (x.t === 'object' && y.t === 'object' && x.items.length === y.items.length) {
      x.items.forEach(([, xv], i) => pairs.push([xv, y.items[i][1]]));
    } else pending.push([x, y]);
  }
  for (const [x, y] of pending) {
    refOutputs(x, s as unknown as Slots, out);
    refOutputs(y, s as unknown as Slots, out);
  }
  for (const o of out) s.add(o);
  let progress = true;
  while (progress && pending.length) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const [x, y] = pending[i];
      const xv: Slots = new Set();
      const yv: Slots = new Set();
      termVars(x, xv);
      termVars(y, yv);
      let bound: Slots | null = null;
      if (subset(xv, s)) bound = yv;
      else if (subset(yv, s)) bound = xv;
      if (bound) {
        for (const v of bound) {
          if (!s.has(v)) {
            out.add(v);
            s.add(v);
          }
        }
        pending.splice(i--, 1);
        progress = true;
      }
    }
  }
}

export function exprOutputs(e: CExpr, safe: Slots): Slots {
  const out: Slots = new Set();
  if (e.neg) return out;
  switch (e.k) {
    case 'term': {
      const t = e.term;
      refOutputs(t, safe, out);
      if (t.t === 'call') {
        const ar = callArity(t);
        if (ar >= 0 && t.args.length === ar + 1) {
          const s2 = new Overlay(safe);
          out.forEach((x) => s2.add(x));
          const v: Slots = new Set();
          termVars(t.args[ar], v);
          const inputs: Slots = new Set();
          for (const x of t.args.slice(0, ar)) termVars(x, inputs);
          if (subset(inputs, s2)) for (const x of v) if (!safe.has(x)) out.add(x);
        }
      }
      break;
    }
    case 'unify':
      unifyOutputs(e.a, e.b, safe, out);
      break;
    case 'somein': {
      refOutputs(e.coll, safe, out);
      const cv: Slots = new Set();
      termVars(e.coll, cv);
      const s2 = new Overlay(safe);
      out.forEach((x) => s2.add(x));
      if (subset(cv, s2)) {
        const v: Slots = new Set();
        if (e.key) termVars(e.key, v);
        termVars(e.value, v);
        for (const x of v) if (!safe.has(x)) out.add(x);
      }
      break;
    }
    case 'every':
      refOutputs(e.domain, safe, out);
      break;
    case 'some':
      break;
  }
  return out;
}

function displayName(ctx: SafetyContext, slot: number): string {
  const n = ctx.names.get(slot) ?? `$${slot}`;
  return n.startsWith('$') ? '_' : n;
}

/** One error per unsafe variable, at its first occurrence in `where` (OPA points at the var). */
export function reportUnsafe(
  ctx: SafetyContext,
  slots: Iterable<number>,
  loc: Loc,
  where?: CTerm[],
): void {
  const first = new Map<number, Loc>();
  for (const t of where ?? []) {
    walkTerm(t, (x) => {
      if (x.t === 'var' && x.loc && !first.has(x.slot)) first.set(x.slot, x.loc);
    });
  }
  const seen = new Set<string>();
  for (const s of [...slots].sort((a, b) =>
    displayName(ctx, a).localeCompare(displayName(ctx, b)),
  )) {
    const n = displayName(ctx, s);
    if (seen.has(n)) continue;
    seen.add(n);
    ctx.errors.push({
      code: 'rego_unsafe_var_error',
      message: `var ${n} is unsafe`,
      location: first.get(s) ?? loc,
    });
  }
}

function exprTerms(e: CExpr): CTerm[] {
  const ts: CTerm[] = [];
  walkBody([e], (t) => ts.push(t));
  return ts;
}

/**
 * Reorders `body` in place so every expression's inputs are bound before it runs, then checks
 * closures with what is bound at their position. Returns the safe set after the body, or null
 * (errors recorded) when some expression can never be placed.
 */
export function reorderBody(body: CBody, globals: Slots, ctx: SafetyContext): Slots | null {
  const safe = new Set(globals);
  const varsPer = body.map((e) => {
    const v: Slots = new Set();
    exprVars(e, v);
    return v;
  });
  // Vars that occur in one expression only: inside a negation they are local to it.
  const count = new Map<number, number>();
  for (const vs of varsPer) for (const v of vs) count.set(v, (count.get(v) ?? 0) + 1);
  const placed: boolean[] = body.map(() => false);
  const order: number[] = [];
  for (;;) {
    const before = order.length;
    for (let i = 0; i < body.length; i++) {
      if (placed[i]) continue;
      const e = body[i];
      const outs = exprOutputs(e, safe);
      let ok = true;
      for (const v of varsPer[i]) {
        if (safe.has(v) || outs.has(v)) continue;
        if (e.neg && count.get(v) === 1) continue;
        ok = false;
        break;
      }
      if (ok) {
        placed[i] = true;
        order.push(i);
        for (const v of outs) safe.add(v);
      }
    }
    if (order.length === body.length || order.length === before) break;
  }
  let failed = false;
  if (order.length < body.length) {
    failed = true;
    for (let i = 0; i < body.length; i++) {
      if (placed[i]) continue;
      const outs = exprOutputs(body[i], safe);
      const bad = [...varsPer[i]].filter(
        (v) => !safe.has(v) && !outs.has(v) && !(body[i].neg && count.get(v) === 1),
      );
      reportUnsafe(ctx, bad, body[i].loc, exprTerms(body[i]));
    }
  }
  const reordered = order.map((i) => body[i]);
  if (!failed) body.splice(0, body.length, ...reordered);
  // Closures see everything bound by the expressions before them (and their own expression).
  const g = new Set(globals);
  for (const e of failed ? body : reordered) {
    const outs = exprOutputs(e, g);
    if (hasClosure(e)) {
      const local = new Set(g);
      for (const v of outs) local.add(v);
      checkClosuresInExpr(e, local, ctx);
    }
    for (const v of outs) g.add(v);
  }
  return failed ? null : safe;
}

function termHasClosure(t: CTerm): boolean {
  switch (t.t) {
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return true;
    case 'array':
    case 'set':
      return t.items.some(termHasClosure);
    case 'object':
      return t.items.some(([k, v]) => termHasClosure(k) || termHasClosure(v));
    case 'ref':
      return termHasClosure(t.head) || t.path.some(termHasClosure);
    case 'input':
    case 'data':
      return t.path.some(termHasClosure);
    case 'call':
      return t.args.some(termHasClosure);
    case 'template':
      return t.parts.some((p) => typeof p !== 'string' && termHasClosure(p));
    default:
      return false;
  }
}

function hasClosure(e: CExpr): boolean {
  if (e.with.some((w) => termHasClosure(w.value))) return true;
  switch (e.k) {
    case 'term':
      return termHasClosure(e.term);
    case 'unify':
      return termHasClosure(e.a) || termHasClosure(e.b);
    case 'somein':
      return (
        (e.key !== undefined && termHasClosure(e.key)) ||
        termHasClosure(e.value) ||
        termHasClosure(e.coll)
      );
    case 'every':
      return true;
    default:
      return false;
  }
}

function checkClosuresInExpr(e: CExpr, safe: Slots, ctx: SafetyContext): void {
  const visit = (t: CTerm): void => checkClosures(t, safe, ctx, e.loc);
  switch (e.k) {
    case 'term':
      visit(e.term);
      break;
    case 'unify':
      visit(e.a);
      visit(e.b);
      break;
    case 'somein':
      if (e.key) visit(e.key);
      visit(e.value);
      visit(e.coll);
      break;
    case 'every': {
      visit(e.domain);
      const inner = new Set(safe);
      if (e.key) termVars(e.key, inner);
      termVars(e.value, inner);
      reorderBody(e.body, inner, ctx);
      break;
    }
    case 'some':
      break;
  }
  for (const w of e.with) visit(w.value);
}

export function checkClosures(t: CTerm, safe: Slots, ctx: SafetyContext, loc: Loc): void {
  switch (t.t) {
    case 'array':
    case 'set':
      t.items.forEach((x) => checkClosures(x, safe, ctx, loc));
      return;
    case 'object':
      t.items.forEach(([k, v]) => {
        checkClosures(k, safe, ctx, loc);
        checkClosures(v, safe, ctx, loc);
      });
      return;
    case 'ref':
      checkClosures(t.head, safe, ctx, loc);
      t.path.forEach((x) => checkClosures(x, safe, ctx, loc));
      return;
    case 'input':
    case 'data':
      t.path.forEach((x) => checkClosures(x, safe, ctx, loc));
      return;
    case 'call':
      t.args.forEach((x) => checkClosures(x, safe, ctx, loc));
      return;
    case 'template':
      t.parts.forEach((p) => typeof p !== 'string' && checkClosures(p, safe, ctx, loc));
      return;
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp': {
      const after = reorderBody(t.body, safe, ctx);
      if (after) {
        const hv: Slots = new Set();
        if (t.t === 'objectcomp') {
          termVars(t.key, hv);
          termVars(t.value, hv);
        } else termVars(t.head, hv);
        const bad = [...hv].filter((v) => !after.has(v));
        if (bad.length) reportUnsafe(ctx, bad, loc);
        if (t.t === 'objectcomp') {
          checkClosures(t.key, after, ctx, loc);
          checkClosures(t.value, after, ctx, loc);
        } else checkClosures(t.head, after, ctx, loc);
      }
      return;
    }
    default:
      return;
  }
}
