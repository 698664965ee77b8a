/**
 * The closure compiler: single-valued terms, expressions and rule bodies compiled on first use
 * into JS closures (kept on the rule as `CRule.code`), so the common case does no dispatch on
 * plan node kinds. A closure answers MISS when its case needs the continuation-passing evaluator.
 */
import type { CBody, CExpr, CRule, CTerm } from '../compiler/plan';
import type { RegoLocation } from '../errors';
import { RegoObject, RegoSet, equals, greater, keyOf, typeName, type Value } from '../value';
import {
  FAST_FAIL,
  FAST_NO,
  FAST_OK,
  MISS,
  OP_NONE,
  TYPE_TESTS,
  UNDEF,
  opOf,
  primitiveOp,
  type DFn,
  type PFn,
  type XFn,
} from './eval-constants';
/** Compiled code of a rule: its body's expressions and its head value. */
/** `some [k,] v in coll` with variables: iterated in a loop (Evaluator.iterFast). */
export interface IterCode {
  coll: DFn;
  val: number;
  /** -1: no key variable. */
  key: number;
}

export function compileIter(e: CExpr): IterCode | null {
  if (e.k !== 'somein' || e.neg || e.with.length !== 0 || e.value.t !== 'var') return null;
  const key = e.key;
  if (key !== undefined && (key.t !== 'var' || key.slot === e.value.slot)) return null;
  return { coll: compileDirect(e.coll), val: e.value.slot, key: key ? key.slot : -1 };
}

export interface BodyCode {
  /** Per expression: `some ... in` loops (null: not one). */
  iters: (IterCode | null)[];
  fns: XFn[];
  /** Locations of the expressions (errors of the step limit). */
  locs: RegoLocation[];
}

export interface RuleCode extends BodyCode {
  /** Slots of the parameters (-1: a constant); null when one is a pattern (array, object). */
  params: number[] | null;
  value: DFn;
  /** keyOf the head value when it is a constant (set rules add it without hashing it). */
  valueKey: string | undefined;
}

export const missFn: DFn = () => MISS;
export const fastNo: XFn = () => FAST_NO;
export const fastOk: XFn = () => FAST_OK;

export function ruleCode(r: CRule): RuleCode {
  let c = r.code as RuleCode | undefined;
  if (c === undefined) {
    c = {
      params: r.params.every((p) => p.t === 'var' || p.t === 'const')
        ? r.params.map((p) => (p.t === 'var' ? p.slot : -1))
        : null,
      iters: r.body.map(compileIter),
      fns: r.body.map(compileExpr),
      locs: r.body.map((e) => e.loc),
      value: compileDirect(r.value),
      valueKey: r.value.t === 'const' ? keyOf(r.value.v) : undefined,
    };
    r.code = c;
    bodyCodes.set(r.body, c);
  }
  return c;
}

export const bodyCodes = new WeakMap<CBody, BodyCode>();
export function bodyCode(body: CBody): BodyCode {
  let c = bodyCodes.get(body);
  if (c === undefined) {
    c = { iters: body.map(compileIter), fns: body.map(compileExpr), locs: body.map((e) => e.loc) };
    bodyCodes.set(body, c);
  }
  return c;
}

export const headCodes = new WeakMap<CTerm, DFn>();
/** Compiled head of an array or set comprehension. */
export function headCode(t: Extract<CTerm, { t: 'arraycomp' | 'setcomp' }>): DFn {
  let c = headCodes.get(t);
  if (c === undefined) {
    c = compileDirect(t.head);
    headCodes.set(t, c);
  }
  return c;
}

export function isOutputCallTerm(t: Extract<CTerm, { t: 'call' }>): boolean {
  const fn = t.fn;
  switch (fn.kind) {
    case 'builtin':
      return !fn.decl.variadic && t.args.length === fn.decl.args.length + 1;
    case 'user':
      return t.args.length === fn.node.arity + 1;
    case 'special':
      return fn.name === 'walk' && t.args.length === 2;
    default:
      return false;
  }
}

/** Whether `isPattern` can ever be true for the term (it has variables in pattern positions). */
export function mayBePattern(t: CTerm): boolean {
  switch (t.t) {
    case 'var':
      return true;
    case 'array':
    case 'set':
      return t.items.some(mayBePattern);
    case 'object':
      return t.items.some(([, v]) => mayBePattern(v));
    default:
      return false;
  }
}

export function compileExpr(e: CExpr): XFn {
  if (e.with.length !== 0) return fastNo;
  switch (e.k) {
    case 'term': {
      const t = e.term;
      if (t.t === 'call' && ((t.fn.kind === 'special' && !isMemberCall(t)) || isOutputCallTerm(t)))
        return fastNo;
      const neg = e.neg;
      const fused = compileTest(t, neg);
      if (fused !== null) return fused;
      const d = compileDirect(t);
      return (ev, f) => {
        const v = d(ev, f);
        if (v === MISS) return FAST_NO;
        const ok = v !== UNDEF && v !== false;
        return ok !== neg ? FAST_OK : FAST_FAIL;
      };
    }
    case 'unify': {
      if (e.neg) return fastNo;
      const { a, b } = e;
      const da = compileDirect(a);
      const db = compileDirect(b);
      const aSlot = a.t === 'var' ? a.slot : -1;
      const bSlot = b.t === 'var' ? b.slot : -1;
      const aPat = mayBePattern(a);
      const bPat = mayBePattern(b);
      return (ev, f) => {
        if (aSlot >= 0 && f[aSlot] === undefined) {
          const v = db(ev, f);
          if (v === MISS) return FAST_NO;
          if (v === UNDEF) return FAST_FAIL;
          ev.pushBinding(f, aSlot, v);
          return FAST_OK;
        }
        if (bSlot >= 0 && f[bSlot] === undefined) {
          const v = da(ev, f);
          if (v === MISS) return FAST_NO;
          if (v === UNDEF) return FAST_FAIL;
          ev.pushBinding(f, bSlot, v);
          return FAST_OK;
        }
        if ((aPat && ev.isPattern(a, f)) || (bPat && ev.isPattern(b, f))) return FAST_NO;
        const va = da(ev, f);
        if (va === MISS) return FAST_NO;
        if (va === UNDEF) return FAST_FAIL;
        const vb = db(ev, f);
        if (vb === MISS) return FAST_NO;
        if (vb === UNDEF) return FAST_FAIL;
        return equals(va, vb) ? FAST_OK : FAST_FAIL;
      };
    }
    case 'some':
      return e.neg ? fastNo : fastOk;
    default:
      return fastNo;
  }
}

/**
 * Expressions that are a comparison on two terms (`x > 0`, `tier == "grant"`) or a whole
 * rule document (`allow`, `not high_reputation`): the term's closure and the truth test in
 * one closure (same results as compileExpr's general term case); null for other terms.
 */
export function compileTest(t: CTerm, neg: boolean): XFn | null {
  const yes = neg ? FAST_FAIL : FAST_OK;
  const no = neg ? FAST_OK : FAST_FAIL;
  if (t.t === 'data') {
    const node = t.node;
    if (!node.hasRules || t.path.length > t.depth) return null;
    return (ev) => {
      if (ev.dataOverrides.length !== 0) return FAST_NO;
      const v = ev.evalNode(node);
      return v === undefined || v === false ? no : yes;
    };
  }
  if (t.t !== 'call' || t.fn.kind !== 'builtin') return null;
  const decl = t.fn.decl;
  if (decl.variadic || t.args.length !== decl.args.length) return null;
  const op = opOf(t);
  if (op === OP_NONE) return null;
  const name = t.fn.name;
  const a0 = compileDirect(t.args[0]);
  const a1 = compileDirect(t.args[1]);
  return (ev, f) => {
    if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return FAST_NO;
    const a = a0(ev, f);
    if (a === MISS) return FAST_NO;
    if (a === UNDEF) return no;
    const b = a1(ev, f);
    if (b === MISS) return FAST_NO;
    if (b === UNDEF) return no;
    let r: Value | typeof MISS | undefined = primitiveOp(op, a, b);
    if (r === MISS) r = ev.callBuiltin(decl, [a, b], t);
    return r === undefined || r === false ? no : yes;
  };
}

export function compileDirect(t: CTerm): DFn {
  switch (t.t) {
    case 'const': {
      const v = t.v;
      return () => v;
    }
    case 'var': {
      const slot = t.slot;
      return (_ev, f) => {
        const v = f[slot];
        return v === undefined ? MISS : v;
      };
    }
    case 'input': {
      const p = compilePath(t.path, 0);
      if (!t.path.every((k) => k.t === 'const')) {
        return (ev, f) => (ev.input === undefined ? UNDEF : p(ev, ev.input, f));
      }
      return groundInputRef(t.path as Extract<CTerm, { t: 'const' }>[]);
    }
    case 'data': {
      const node = t.node;
      if (!node.hasRules) return missFn;
      if (t.path.length <= t.depth) {
        // The whole document of the node (`tier`, `data.p.allow`).
        return (ev) => {
          if (ev.dataOverrides.length !== 0) return MISS;
          const v = ev.evalNode(node);
          return v === undefined ? UNDEF : v;
        };
      }
      const p = compilePath(t.path, t.depth);
      return (ev, f) => {
        if (ev.dataOverrides.length !== 0) return MISS;
        const v = ev.evalNode(node);
        return v === undefined ? UNDEF : p(ev, v, f);
      };
    }
    case 'ref': {
      const h = compileDirect(t.head);
      const p = compilePath(t.path, 0);
      return (ev, f) => {
        const hv = h(ev, f);
        if (hv === MISS || hv === UNDEF) return hv;
        return p(ev, hv, f);
      };
    }
    case 'call':
      return compileCall(t);
    case 'array': {
      const items = t.items.map(compileDirect);
      const n = items.length;
      return (ev, f) => {
        const out: Value[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const v = items[i](ev, f);
          if (v === MISS || v === UNDEF) return v;
          out[i] = v;
        }
        return out;
      };
    }
    case 'object': {
      const ks = t.items.map(([k]) => compileDirect(k));
      const vs = t.items.map(([, v]) => compileDirect(v));
      // Constant keys: their keyOf computed once.
      const kk = t.items.map(([k]) => (k.t === 'const' ? keyOf(k.v) : undefined));
      const n = ks.length;
      return (ev, f) => {
        const out = new RegoObject();
        for (let i = 0; i < n; i++) {
          const kv = ks[i](ev, f);
          if (kv === MISS || kv === UNDEF) return kv;
          const vv = vs[i](ev, f);
          if (vv === MISS || vv === UNDEF) return vv;
          const k = kk[i];
          if (k !== undefined) out.setKeyed(kv, k, vv);
          else out.set(kv, vv);
        }
        return out;
      };
    }
    case 'set': {
      const items = t.items.map(compileDirect);
      const n = items.length;
      return (ev, f) => {
        const out = new RegoSet();
        for (let i = 0; i < n; i++) {
          const v = items[i](ev, f);
          if (v === MISS || v === UNDEF) return v;
          out.add(v);
        }
        return out;
      };
    }
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return (ev, f) => ev.comprehension(t, f);
    default:
      return missFn;
  }
}

/**
 * Ground refs into the input (`input.request.gpus`), shared by every occurrence of the same
 * path: the value is a function of the input value alone (immutable), so each prefix keeps its
 * answer for the last input it saw (`input.request` is looked up once per evaluation).
 */
export const inputRefs = new Map<string, DFn>();
export const inputRoot: DFn = (ev) => (ev.input === undefined ? UNDEF : ev.input);

export function groundInputRef(path: Extract<CTerm, { t: 'const' }>[]): DFn {
  if (path.length === 0) return inputRoot;
  const id = path.map((k) => k.k ?? keyOf(k.v)).join('\u0000');
  let fn = inputRefs.get(id);
  if (fn !== undefined) return fn;
  const prefix = groundInputRef(path.slice(0, -1));
  const last = path[path.length - 1];
  const key = last.v;
  const k = last.k;
  let lastIn: Value | undefined;
  let lastOut: Value | typeof UNDEF | typeof MISS = UNDEF;
  fn = (ev, f) => {
    const inp = ev.input;
    if (inp === undefined) return UNDEF;
    if (inp === lastIn) return lastOut;
    const pv = prefix(ev, f);
    let r: Value | typeof UNDEF | typeof MISS;
    if (pv === UNDEF || pv === MISS) r = pv;
    else {
      const x =
        k !== undefined && pv instanceof RegoObject ? pv.getConst(key, k) : ev.index(pv, key);
      r = x === undefined ? UNDEF : x;
    }
    lastIn = inp;
    lastOut = r;
    return r;
  };
  // Bounded: a process compiling many policies keeps sharing the first 10,000 paths.
  if (inputRefs.size < 10_000) inputRefs.set(id, fn);
  return fn;
}

export function compilePath(path: CTerm[], start: number): PFn {
  const n = path.length - start;
  if (n <= 0) return (_ev, v) => v;
  const terms = path.slice(start);
  if (terms.every((k) => k.t === 'const')) {
    const vs = terms.map((k) => (k as { v: Value }).v);
    const ks = terms.map((k) => (k as { k?: string }).k);
    return (ev, v) => {
      for (let i = 0; i < n; i++) {
        const k = ks[i];
        const x =
          k !== undefined && v instanceof RegoObject ? v.getConst(vs[i], k) : ev.index(v, vs[i]);
        if (x === undefined) return UNDEF;
        v = x;
      }
      return v;
    };
  }
  const fns = terms.map((k) => (k.t === 'const' ? null : compileDirect(k)));
  return (ev, v, f) => {
    for (let i = 0; i < n; i++) {
      const kt = terms[i];
      let x: Value | undefined;
      if (kt.t === 'const') {
        x =
          kt.k !== undefined && v instanceof RegoObject
            ? v.getConst(kt.v, kt.k)
            : ev.index(v, kt.v);
      } else {
        if (ev.isPattern(kt, f)) return MISS;
        const key = fns[i]!(ev, f);
        if (key === MISS || key === UNDEF) return key;
        x = ev.index(v, key);
      }
      if (x === undefined) return UNDEF;
      v = x;
    }
    return v;
  };
}

/** Number of elements a built-in will build, when known from its arguments (else 0). */
export function predictedSize(name: string, args: Value[]): number {
  if (name.charCodeAt(0) !== 110 /* n */) return 0;
  let step = 1;
  if (name === 'numbers.range_step') {
    if (!Number.isInteger(args[2]) || !((args[2] as number) > 0)) return 0;
    step = args[2] as number;
  } else if (name !== 'numbers.range') return 0;
  const x = args[0];
  const y = args[1];
  // Only valid calls (integers): the others fail in the built-in.
  if (!Number.isInteger(x) || !Number.isInteger(y)) return 0;
  const n = Math.floor(Math.abs((y as number) - (x as number)) / step) + 1;
  return Number.isFinite(n) ? n : 0;
}

/** `x in c` (internal.member_2). */
export function member2(x: Value, c: Value): boolean {
  if (Array.isArray(c)) {
    for (let i = 0; i < c.length; i++) if (equals(c[i], x)) return true;
    return false;
  }
  if (c instanceof RegoSet) return c.has(x);
  if (c instanceof RegoObject) return c.values().some((e) => equals(e, x));
  return false;
}

/** `k, x in c` (internal.member_3). */
export function member3(key: Value, x: Value, c: Value): boolean {
  if (Array.isArray(c)) return typeof key === 'number' && equals(c[key], x);
  if (c instanceof RegoObject) {
    const v = c.get(key);
    return v !== undefined && equals(v, x);
  }
  return false;
}

export function isMemberCall(t: Extract<CTerm, { t: 'call' }>): boolean {
  return (
    t.fn.kind === 'special' &&
    ((t.fn.name === 'internal.member_2' && t.args.length === 2) ||
      (t.fn.name === 'internal.member_3' && t.args.length === 3))
  );
}

export function compileCall(t: Extract<CTerm, { t: 'call' }>): DFn {
  const fn = t.fn;
  if (isMemberCall(t)) {
    const name = fn.name;
    const args = t.args.map(compileDirect);
    const three = args.length === 3;
    return (ev, f) => {
      if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
      const a = args[0](ev, f);
      if (a === MISS || a === UNDEF) return a;
      const b = args[1](ev, f);
      if (b === MISS || b === UNDEF) return b;
      if (!three) return member2(a, b);
      const c = args[2](ev, f);
      if (c === MISS || c === UNDEF) return c;
      return member3(a, b, c);
    };
  }
  if (fn.kind === 'special' || fn.kind === 'unknown') return missFn;
  const name = fn.name;
  const args = t.args.map(compileDirect);
  const n = args.length;
  const op = opOf(t);
  if (fn.kind === 'builtin') {
    const decl = fn.decl;
    if (!decl.variadic && n !== decl.args.length) return missFn;
    if (op !== OP_NONE) {
      const a0 = args[0];
      const a1 = args[1];
      return (ev, f) => {
        if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
        const a = a0(ev, f);
        if (a === MISS || a === UNDEF) return a;
        const b = a1(ev, f);
        if (b === MISS || b === UNDEF) return b;
        const r = primitiveOp(op, a, b);
        if (r !== MISS) return r;
        const out = ev.callBuiltin(decl, [a, b], t);
        return out === undefined ? UNDEF : out;
      };
    }
    const typeTest = n === 1 ? TYPE_TESTS.get(name) : undefined;
    if (typeTest !== undefined) {
      // is_number(x)...: typeName(x) === type, as the built-ins.
      const a0 = args[0];
      return (ev, f) => {
        if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
        const a = a0(ev, f);
        if (a === MISS || a === UNDEF) return a;
        return typeName(a) === typeTest;
      };
    }
    if (n === 1 && name === 'sort') {
      // Sets: their cached order; small arrays: an insertion sort (same order as the
      // built-in's stable sort by `compare`); the rest (and errors) through the built-in.
      const a0 = args[0];
      return (ev, f) => {
        if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
        const a = a0(ev, f);
        if (a === MISS || a === UNDEF) return a;
        if (a instanceof RegoSet && a.size <= 64) return a.sortedCached().slice();
        if (Array.isArray(a) && a.length <= 12) {
          const out = a.slice();
          for (let i = 1; i < out.length; i++) {
            const x = out[i];
            let j = i - 1;
            for (; j >= 0 && greater(out[j], x); j--) out[j + 1] = out[j];
            out[j + 1] = x;
          }
          return out;
        }
        const r = ev.callBuiltin(decl, [a], t);
        return r === undefined ? UNDEF : r;
      };
    }
    if (n === 1 && name === 'count') {
      // Collections inline; strings (code points) and errors through the built-in.
      const a0 = args[0];
      return (ev, f) => {
        if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
        const a = a0(ev, f);
        if (a === MISS || a === UNDEF) return a;
        if (Array.isArray(a)) return a.length;
        if (a instanceof RegoSet || a instanceof RegoObject) return a.size;
        const r = ev.callBuiltin(decl, [a], t);
        return r === undefined ? UNDEF : r;
      };
    }
    return (ev, f) => {
      if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
      const vals: Value[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = args[i](ev, f);
        if (v === MISS || v === UNDEF) return v;
        vals[i] = v;
      }
      const r = ev.callBuiltin(decl, vals, t);
      return r === undefined ? UNDEF : r;
    };
  }
  const node = fn.node;
  if (node.kind !== 'function' || n !== node.arity) return missFn;
  const loc = t.loc;
  return (ev, f) => {
    if (ev.fnOverrides !== null && ev.fnOverrides.has(name)) return MISS;
    const vals: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = args[i](ev, f);
      if (v === MISS || v === UNDEF) return v;
      vals[i] = v;
    }
    const r = ev.evalFunction(node, vals, loc);
    return r === undefined ? UNDEF : r;
  };
}
