import { BuiltinError, type BuiltinContext, type BuiltinDecl } from '../builtins/builtin.types';
import type { CBody, CExpr, CRule, CTerm, CallTarget, CWith } from '../compiler/plan';
import { RuleNode } from '../compiler/plan';
import { RegoEvalError, type RegoLocation } from '../errors';
import { RegoObject, RegoSet, equals, type Value } from '../value';
import { formatTemplateValue, sortedEntriesOf, sortedValuesOf, walkPairs } from './eval-helpers';

/**
 * The top-down evaluator (as OPA v1/topdown/eval.go, regorus src/interpreter.rs).
 *
 * Continuation-passing: every evaluation step takes a continuation `k`; a step with several
 * solutions (iteration over a collection, unification with several matches) calls `k` once per
 * solution. Variables live in frame slots; bindings are recorded on a trail and undone when
 * the step backtracks. A continuation returns true to stop the whole enumeration (early exit
 * of `not`, of constant-valued rules and of the first-value checks).
 *
 * Virtual documents (rules) are computed lazily when a reference reaches them and memoized for
 * the evaluation; `with` swaps input/data/functions and uses a fresh memo while it is active.
 */
export type Frame = (Value | undefined)[];
type K = () => boolean;
type KV = (v: Value) => boolean;

export interface EvalConfig {
  input: Value | undefined;
  data: Value;
  strict: boolean;
  maxSteps: number;
  deadline: number;
  maxDepth: number;
  ctx: BuiltinContext;
}

const PENDING = Symbol('pending');
const UNDEF = Symbol('undefined');
const MISS = Symbol('miss');
const FAST_OK = 1;
const FAST_FAIL = 0;
const FAST_NO = -1;
const NONE = Symbol('none');
type Memo = (Value | typeof PENDING | typeof NONE | undefined)[];
const EMPTY_OBJECT = new RegoObject();

interface FnOverride {
  value?: Value;
  target?: CallTarget;
}

export class Evaluator {
  private steps = 0;
  private trailF: Frame[] = [];
  private trailS: number[] = [];
  /** Memo of node values by node id (undefined: not computed; NONE: computed, undefined). */
  private memo: Memo = [];
  private input: Value | undefined;
  private data: Value;
  private dataOverrides: string[][] = [];
  private fnOverrides: Map<string, FnOverride> | null = null;
  private depth = 0;

  constructor(
    private readonly root: RuleNode,
    private readonly cfg: EvalConfig,
  ) {
    this.input = cfg.input;
    this.data = cfg.data;
    this.memo = new Array(root.size).fill(undefined);
  }

  // ---- limits ----
  private step(loc?: RegoLocation): void {
    if (++this.steps > this.cfg.maxSteps)
      throw new RegoEvalError(
        'eval_limit_error',
        `step limit exceeded (${this.cfg.maxSteps} steps)`,
        loc,
      );
    if ((this.steps & 1023) === 0 && Date.now() > this.cfg.deadline)
      throw new RegoEvalError('eval_limit_error', 'time limit exceeded', loc);
  }

  // ---- bindings ----
  private bind(frame: Frame, slot: number, v: Value, k: K): boolean {
    frame[slot] = v;
    this.trailF.push(frame);
    this.trailS.push(slot);
    const mark = this.trailS.length - 1;
    const r = k();
    this.undo(mark);
    return r;
  }
  private undo(mark: number): void {
    const tf = this.trailF;
    const ts = this.trailS;
    while (ts.length > mark) {
      tf.pop()![ts.pop()!] = undefined;
    }
  }

  // ---- queries and bodies ----
  /** Runs a body; `k` is called for each solution with the frame bound. */
  runBody(body: CBody, frame: Frame, k: K): boolean {
    return this.evalBody(body, 0, frame, k);
  }

  private evalBody(body: CBody, i: number, frame: Frame, k: K): boolean {
    // Straight-line expressions (filters, assignments of single values) run in this loop and
    // leave their bindings on the trail; the first one with several solutions continues in
    // continuation-passing style.
    const mark = this.trailS.length;
    let r: boolean;
    for (; i < body.length; i++) {
      const e = body[i];
      this.step(e.loc);
      if (e.with.length === 0) {
        const f = this.tryFast(e, frame);
        if (f === FAST_OK) continue;
        if (f === FAST_FAIL) {
          this.undo(mark);
          return false;
        }
      }
      const n = i + 1;
      const next = n === body.length ? k : () => this.evalBody(body, n, frame, k);
      r = e.with.length ? this.evalWith(e, frame, next) : this.evalExpr(e, frame, next);
      this.undo(mark);
      return r;
    }
    r = k();
    this.undo(mark);
    return r;
  }

  /** Evaluates an expression that has at most one solution without a continuation. */
  private tryFast(e: CExpr, frame: Frame): number {
    switch (e.k) {
      case 'term': {
        const t = e.term;
        if (t.t === 'call' && (t.fn.kind === 'special' || this.isOutputCall(t))) return FAST_NO;
        const v = this.direct(t, frame);
        if (v === MISS) return FAST_NO;
        const ok = v !== UNDEF && v !== false;
        return ok !== e.neg ? FAST_OK : FAST_FAIL;
      }
      case 'unify': {
        if (e.neg) return FAST_NO;
        const { a, b } = e;
        if (a.t === 'var' && frame[a.slot] === undefined) {
          const v = this.direct(b, frame);
          if (v === MISS) return FAST_NO;
          if (v === UNDEF) return FAST_FAIL;
          this.pushBinding(frame, a.slot, v);
          return FAST_OK;
        }
        if (b.t === 'var' && frame[b.slot] === undefined) {
          const v = this.direct(a, frame);
          if (v === MISS) return FAST_NO;
          if (v === UNDEF) return FAST_FAIL;
          this.pushBinding(frame, b.slot, v);
          return FAST_OK;
        }
        if (this.isPattern(a, frame) || this.isPattern(b, frame)) return FAST_NO;
        const va = this.direct(a, frame);
        if (va === MISS) return FAST_NO;
        if (va === UNDEF) return FAST_FAIL;
        const vb = this.direct(b, frame);
        if (vb === MISS) return FAST_NO;
        if (vb === UNDEF) return FAST_FAIL;
        return equals(va, vb) ? FAST_OK : FAST_FAIL;
      }
      case 'some':
        return e.neg ? FAST_NO : FAST_OK;
      default:
        return FAST_NO;
    }
  }

  private pushBinding(frame: Frame, slot: number, v: Value): void {
    frame[slot] = v;
    this.trailF.push(frame);
    this.trailS.push(slot);
  }

  /**
   * The single value of a term when it has exactly one (no iteration, no unbound variable):
   * a value, UNDEF when undefined, or MISS when the continuation-passing path is needed.
   */
  private direct(t: CTerm, frame: Frame): Value | typeof UNDEF | typeof MISS {
    switch (t.t) {
      case 'const':
        return t.v;
      case 'var': {
        const v = frame[t.slot];
        return v === undefined ? MISS : v;
      }
      case 'input':
        if (this.input === undefined) return UNDEF;
        return this.directPath(this.input, t.path, 0, frame);
      case 'data': {
        if (!t.node.hasRules || this.dataOverrides.length !== 0) return MISS;
        const v = this.evalNode(t.node);
        return v === undefined ? UNDEF : this.directPath(v, t.path, t.depth, frame);
      }
      case 'ref': {
        const h = this.direct(t.head, frame);
        if (h === MISS || h === UNDEF) return h;
        return this.directPath(h, t.path, 0, frame);
      }
      case 'call': {
        if (t.fn.kind === 'special' || (this.fnOverrides && this.fnOverrides.has(t.fn.name)))
          return MISS;
        const args: Value[] = new Array(t.args.length);
        for (let i = 0; i < t.args.length; i++) {
          const v = this.direct(t.args[i], frame);
          if (v === MISS || v === UNDEF) return v;
          args[i] = v;
        }
        if (t.fn.kind === 'user') {
          if (t.fn.node.kind !== 'function' || args.length !== t.fn.node.arity) return MISS;
          const r = this.evalFunction(t.fn.node, args, t.loc);
          return r === undefined ? UNDEF : r;
        }
        if (t.fn.kind !== 'builtin') return MISS;
        if (!t.fn.decl.variadic && args.length !== t.fn.decl.args.length) return MISS;
        const r = this.callBuiltin(t.fn.decl, args, t);
        return r === undefined ? UNDEF : r;
      }
      case 'array': {
        const out: Value[] = new Array(t.items.length);
        for (let i = 0; i < t.items.length; i++) {
          const v = this.direct(t.items[i], frame);
          if (v === MISS || v === UNDEF) return v;
          out[i] = v;
        }
        return out;
      }
      case 'object': {
        const out = new RegoObject();
        for (const [kt, vt] of t.items) {
          const kv = this.direct(kt, frame);
          if (kv === MISS || kv === UNDEF) return kv;
          const vv = this.direct(vt, frame);
          if (vv === MISS || vv === UNDEF) return vv;
          out.set(kv, vv);
        }
        return out;
      }
      case 'set': {
        const out = new RegoSet();
        for (const it of t.items) {
          const v = this.direct(it, frame);
          if (v === MISS || v === UNDEF) return v;
          out.add(v);
        }
        return out;
      }
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return this.comprehension(t, frame);
      default:
        return MISS;
    }
  }

  private directPath(
    v: Value,
    path: CTerm[],
    i: number,
    frame: Frame,
  ): Value | typeof UNDEF | typeof MISS {
    for (; i < path.length; i++) {
      const kt = path[i];
      let x: Value | undefined;
      if (kt.t === 'const') {
        x =
          kt.k !== undefined && v instanceof RegoObject ? v.getByKeyOf(kt.k) : this.index(v, kt.v);
      } else {
        if (this.isPattern(kt, frame)) return MISS;
        const key = this.direct(kt, frame);
        if (key === MISS || key === UNDEF) return key;
        x = this.index(v, key);
      }
      if (x === undefined) return UNDEF;
      v = x;
    }
    return v;
  }

  private evalExpr(e: CExpr, frame: Frame, k: K): boolean {
    if (e.neg) {
      const mark = this.trailS.length;
      let found = false;
      this.evalExprPos(e, frame, () => {
        found = true;
        return true;
      });
      this.undo(mark);
      return found ? false : k();
    }
    return this.evalExprPos(e, frame, k);
  }

  private evalExprPos(e: CExpr, frame: Frame, k: K): boolean {
    switch (e.k) {
      case 'term': {
        const t = e.term;
        if (t.t === 'call' && t.args.length > 0 && this.isOutputCall(t)) {
          const out = t.args[t.args.length - 1];
          return this.evalCall(t, t.args.length - 1, frame, (v) => this.unifyVal(out, v, frame, k));
        }
        return this.evalTerm(t, frame, (v) => (v !== false ? k() : false));
      }
      case 'unify':
        return this.unifyTerms(e.a, e.b, frame, k);
      case 'some':
        return k();
      case 'somein':
        return this.evalTerm(e.coll, frame, (c) =>
          this.iterate(c, (key, val) =>
            e.key
              ? this.unifyVal(e.key, key, frame, () => this.unifyVal(e.value, val, frame, k))
              : this.unifyVal(e.value, val, frame, k),
          ),
        );
      case 'every':
        return this.evalEvery(e, frame, k);
    }
  }

  private evalEvery(e: Extract<CExpr, { k: 'every' }>, frame: Frame, k: K): boolean {
    return this.evalTerm(e.domain, frame, (d) => {
      let ok = true;
      this.iterate(d, (key, val) => {
        const mark = this.trailS.length;
        const found = e.key
          ? this.unifyVal(e.key, key, frame, () =>
              this.unifyVal(e.value, val, frame, () => this.evalBody(e.body, 0, frame, () => true)),
            )
          : this.unifyVal(e.value, val, frame, () => this.evalBody(e.body, 0, frame, () => true));
        this.undo(mark);
        if (!found) ok = false;
        return !ok;
      });
      return ok ? k() : false;
    });
  }

  /** Calls f(key, value) for each element; stops when f returns true. */
  private iterate(c: Value, f: (key: Value, val: Value) => boolean): boolean {
    if (Array.isArray(c)) {
      for (let i = 0; i < c.length; i++) {
        this.step();
        if (f(i, c[i])) return true;
      }
    } else if (c instanceof RegoObject) {
      for (const [key, val] of sortedEntriesOf(c)) {
        this.step();
        if (f(key, val)) return true;
      }
    } else if (c instanceof RegoSet) {
      for (const v of sortedValuesOf(c)) {
        this.step();
        if (f(v, v)) return true;
      }
    }
    return false;
  }

  // ---- with ----
  private evalWith(e: CExpr, frame: Frame, k: K): boolean {
    const values: Value[] = [];
    for (const w of e.with) {
      let v: Value | undefined;
      if (!(w.kind === 'fn' && w.fnTarget)) {
        this.evalTerm(w.value, frame, (x) => {
          v = x;
          return true;
        });
        if (v === undefined) return false;
      }
      values.push(v as Value);
    }
    const saved = {
      input: this.input,
      data: this.data,
      overrides: this.dataOverrides,
      fns: this.fnOverrides,
      memo: this.memo,
    };
    const apply = (): void => {
      e.with.forEach((w, i) => this.applyWith(w, values[i]));
      this.memo = new Array(this.root.size).fill(undefined);
    };
    const restore = (): {
      input: Value | undefined;
      data: Value;
      overrides: string[][];
      fns: Map<string, FnOverride> | null;
      memo: Memo;
    } => {
      const cur = {
        input: this.input,
        data: this.data,
        overrides: this.dataOverrides,
        fns: this.fnOverrides,
        memo: this.memo,
      };
      this.input = saved.input;
      this.data = saved.data;
      this.dataOverrides = saved.overrides;
      this.fnOverrides = saved.fns;
      this.memo = saved.memo;
      return cur;
    };
    apply();
    try {
      return this.evalExpr(e, frame, () => {
        const cur = restore();
        try {
          return k();
        } finally {
          this.input = cur.input;
          this.data = cur.data;
          this.dataOverrides = cur.overrides;
          this.fnOverrides = cur.fns;
          this.memo = cur.memo;
        }
      });
    } finally {
      restore();
    }
  }

  private applyWith(w: CWith, v: Value): void {
    if (w.kind === 'input') {
      this.input = w.path.length ? upsert(this.input, w.path, v) : v;
    } else if (w.kind === 'data') {
      this.data = upsert(this.data, w.path, v);
      this.dataOverrides = [...this.dataOverrides, w.path];
    } else {
      const m = new Map(this.fnOverrides ?? []);
      m.set(w.fnName!, w.fnTarget ? { target: w.fnTarget } : { value: v });
      this.fnOverrides = m;
    }
  }

  // ---- terms ----
  evalTerm(t: CTerm, frame: Frame, k: KV): boolean {
    if (t.t === 'object' || t.t === 'set' || t.t === 'array') {
      const v = this.direct(t, frame);
      if (v !== MISS) return v === UNDEF ? false : k(v);
    }
    switch (t.t) {
      case 'const':
        return k(t.v);
      case 'var': {
        const v = frame[t.slot];
        if (v === undefined)
          throw new RegoEvalError('eval_internal_error', `var ${t.name} is unbound`);
        return k(v);
      }
      case 'array':
        return this.evalItems(t.items, 0, [], frame, (vals) => k(vals));
      case 'set':
        return this.evalItems(t.items, 0, [], frame, (vals) => k(RegoSet.of(vals)));
      case 'object': {
        const flat: CTerm[] = [];
        for (const [a, b] of t.items) flat.push(a, b);
        return this.evalItems(flat, 0, [], frame, (vals) => {
          const o = new RegoObject();
          for (let i = 0; i < vals.length; i += 2) o.set(vals[i], vals[i + 1]);
          return k(o);
        });
      }
      case 'ref':
        return this.evalTerm(t.head, frame, (h) => this.walkValue(h, t.path, 0, frame, k));
      case 'input':
        if (this.input === undefined) return false;
        return this.walkValue(this.input, t.path, 0, frame, k);
      case 'data':
        if (t.node.hasRules && this.dataOverrides.length === 0) {
          const v = this.evalNode(t.node);
          return v === undefined ? false : this.walkValue(v, t.path, t.depth, frame, k);
        }
        return this.walkNode(this.root, t.path, 0, frame, k);
      case 'call':
        return this.evalCall(t, t.args.length, frame, k);
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return k(this.comprehension(t, frame));
      case 'template':
        return this.evalTemplate(t, 0, '', frame, k);
    }
  }

  private comprehension(
    t: Extract<CTerm, { t: 'arraycomp' | 'setcomp' | 'objectcomp' }>,
    frame: Frame,
  ): Value {
    const mark = this.trailS.length;
    if (t.t === 'arraycomp') {
      const out: Value[] = [];
      this.evalBody(t.body, 0, frame, () =>
        this.evalTerm(t.head, frame, (v) => (out.push(v), false)),
      );
      this.undo(mark);
      return out;
    }
    if (t.t === 'setcomp') {
      const out = new RegoSet();
      this.evalBody(t.body, 0, frame, () =>
        this.evalTerm(t.head, frame, (v) => (out.add(v), false)),
      );
      this.undo(mark);
      return out;
    }
    const out = new RegoObject();
    this.evalBody(t.body, 0, frame, () =>
      this.evalTerm(t.key, frame, (kv) =>
        this.evalTerm(t.value, frame, (vv) => {
          const prev = out.get(kv);
          if (prev !== undefined && !equals(prev, vv))
            throw new RegoEvalError('eval_conflict_error', 'object keys must be unique');
          out.set(kv, vv);
          return false;
        }),
      ),
    );
    this.undo(mark);
    return out;
  }

  private evalTemplate(
    t: Extract<CTerm, { t: 'template' }>,
    i: number,
    acc: string,
    frame: Frame,
    k: KV,
  ): boolean {
    if (i === t.parts.length) return k(acc);
    const p = t.parts[i];
    if (typeof p === 'string') return this.evalTemplate(t, i + 1, acc + p, frame, k);
    let vals: Value[] = [];
    const mark = this.trailS.length;
    if (p.t === 'arraycomp' && p.spread) vals = this.comprehension(p, frame) as Value[];
    else this.evalTerm(p, frame, (v) => (vals.push(v), false));
    this.undo(mark);
    let s: string;
    if (vals.length === 0) s = '<undefined>';
    else if (vals.length === 1) s = formatTemplateValue(vals[0]);
    else {
      throw new RegoEvalError(
        'eval_conflict_error',
        'template-strings must not produce multiple outputs',
        t.loc,
      );
    }
    return this.evalTemplate(t, i + 1, acc + s, frame, k);
  }

  private evalItems(
    items: CTerm[],
    i: number,
    acc: Value[],
    frame: Frame,
    k: (vals: Value[]) => boolean,
  ): boolean {
    // Fast path: constants and bound variables need no continuation.
    while (i < items.length) {
      const it = items[i];
      if (it.t === 'const') acc.push(it.v);
      else if (it.t === 'var' && frame[it.slot] !== undefined) acc.push(frame[it.slot] as Value);
      else break;
      i++;
    }
    if (i === items.length) return k(acc);
    const it = items[i];
    if (it.t === 'var') {
      // Unbound here: a later item (`x == p[x]`) binds it; evaluate those first.
      for (let j = i + 1; j < items.length; j++) {
        const later = items[j];
        if (later.t !== 'var' && later.t !== 'const') {
          return this.evalTerm(later, frame, (lv) =>
            this.evalItems(
              items.map((x, n) => (n === j ? { t: 'const', v: lv } : x)) as CTerm[],
              i,
              [...acc],
              frame,
              k,
            ),
          );
        }
      }
    }
    return this.evalTerm(it, frame, (v) => this.evalItems(items, i + 1, [...acc, v], frame, k));
  }

  /** True when a term has unbound variables in pattern positions (it must be unified, not evaluated). */
  private isPattern(t: CTerm, frame: Frame): boolean {
    switch (t.t) {
      case 'var':
        return frame[t.slot] === undefined;
      case 'array':
      case 'set':
        for (const x of t.items) if (this.isPattern(x, frame)) return true;
        return false;
      case 'object':
        for (const [, v] of t.items) if (this.isPattern(v, frame)) return true;
        return false;
      default:
        return false;
    }
  }

  /** Index one value by a key; undefined when absent. */
  private index(v: Value, key: Value, base = false): Value | undefined {
    if (Array.isArray(v)) {
      return typeof key === 'number' && Number.isInteger(key) && key >= 0 ? v[key] : undefined;
    }
    if (v instanceof RegoObject) {
      // The store (base documents) has string keys only; OPA looks integers up as strings.
      if (base && typeof key === 'number') return v.get(key) ?? v.get(String(key));
      return v.get(key);
    }
    if (v instanceof RegoSet) return v.has(key) ? key : undefined;
    return undefined;
  }

  private walkValue(
    v: Value,
    path: CTerm[],
    i: number,
    frame: Frame,
    k: KV,
    base = false,
  ): boolean {
    while (i < path.length) {
      const kt = path[i];
      let key: Value | undefined;
      if (kt.t === 'const') {
        if (kt.k !== undefined && v instanceof RegoObject && !(base && typeof kt.v === 'number')) {
          const x = v.getByKeyOf(kt.k);
          if (x === undefined) return false;
          v = x;
          i++;
          continue;
        }
        key = kt.v;
      } else if (kt.t === 'var') {
        key = frame[kt.slot];
        if (key === undefined) {
          const next = i + 1;
          return this.iterate(v, (kk, vv) =>
            this.bind(frame, kt.slot, kk, () => this.walkValue(vv, path, next, frame, k, base)),
          );
        }
      } else if (this.isPattern(kt, frame)) {
        const next = i + 1;
        return this.iterate(v, (kk, vv) => {
          const mark = this.trailS.length;
          const r = this.unifyVal(kt, kk, frame, () =>
            this.walkValue(vv, path, next, frame, k, base),
          );
          this.undo(mark);
          return r;
        });
      } else {
        const next = i + 1;
        const cur = v;
        return this.evalTerm(kt, frame, (kv) => {
          const x = this.index(cur, kv, base);
          return x === undefined ? false : this.walkValue(x, path, next, frame, k, base);
        });
      }
      const x = this.index(v, key, base);
      if (x === undefined) return false;
      v = x;
      i++;
    }
    return k(v);
  }

  /** Walks the rule tree and base data together (refs that stop at or iterate over packages). */
  private walkNode(node: RuleNode, path: CTerm[], i: number, frame: Frame, k: KV): boolean {
    if (node.hasRules || this.overridden(node.path) || i === path.length) {
      const v = this.evalNode(node);
      return v === undefined ? false : this.walkValue(v, path, i, frame, k);
    }
    const kt = path[i];
    const step = (key: Value): boolean => {
      if (typeof key === 'string') {
        const c = node.children.get(key);
        if (c) return this.walkNode(c, path, i + 1, frame, k);
      }
      const base = this.baseAt(node.path);
      const x = base === undefined ? undefined : this.index(base, key, true);
      return x === undefined ? false : this.walkValue(x, path, i + 1, frame, k, true);
    };
    if (kt.t === 'const') return step(kt.v);
    if (kt.t === 'var' && frame[kt.slot] !== undefined) return step(frame[kt.slot] as Value);
    if (this.isPattern(kt, frame)) {
      const keys = new Map<string, Value>();
      for (const c of node.children.keys()) keys.set(c, c);
      const base = this.baseAt(node.path);
      if (base instanceof RegoObject)
        for (const bk of base.keys()) if (typeof bk === 'string') keys.set(bk, bk);
      for (const key of [...keys.values()].sort()) {
        this.step();
        const mark = this.trailS.length;
        const r = this.unifyVal(kt, key, frame, () => step(key));
        this.undo(mark);
        if (r) return true;
      }
      return false;
    }
    return this.evalTerm(kt, frame, step);
  }

  private overridden(path: string[]): boolean {
    for (const o of this.dataOverrides)
      if (o.length <= path.length && o.every((s, j) => s === path[j])) return true;
    return false;
  }

  private baseAt(path: string[]): Value | undefined {
    let v: Value | undefined = this.data;
    if (v instanceof RegoObject && v.size === 0) return path.length === 0 ? v : undefined;
    for (const p of path) {
      if (!(v instanceof RegoObject)) return undefined;
      v = v.get(p);
      if (v === undefined) return undefined;
    }
    return v;
  }

  // ---- unification ----
  unifyTerms(a: CTerm, b: CTerm, frame: Frame, k: K): boolean {
    if (!this.isPattern(b, frame))
      return this.evalTerm(b, frame, (bv) => this.unifyVal(a, bv, frame, k));
    if (!this.isPattern(a, frame))
      return this.evalTerm(a, frame, (av) => this.unifyVal(b, av, frame, k));
    if (a.t === 'array' && b.t === 'array' && a.items.length === b.items.length) {
      return this.unifyPairs(
        a.items.map((x, i) => [x, b.items[i]] as [CTerm, CTerm]),
        frame,
        k,
      );
    }
    if (a.t === 'object' && b.t === 'object' && a.items.length === b.items.length) {
      const pairs: [CTerm, CTerm][] = [];
      for (const [ka, va] of a.items) {
        const match = b.items.find(
          ([kb]) => kb.t === 'const' && ka.t === 'const' && equals(kb.v, ka.v),
        );
        if (!match) return false;
        pairs.push([va, match[1]]);
      }
      return this.unifyPairs(pairs, frame, k);
    }
    if (a.t === 'var' && b.t === 'var')
      throw new RegoEvalError(
        'eval_internal_error',
        `cannot unify unbound vars ${a.name} and ${b.name}`,
      );
    return false;
  }

  private unifyPairs(pairs: [CTerm, CTerm][], frame: Frame, k: K): boolean {
    if (pairs.length === 0) return k();
    let idx = pairs.findIndex(([x, y]) => !this.isPattern(x, frame) || !this.isPattern(y, frame));
    if (idx < 0) idx = 0;
    const [x, y] = pairs[idx];
    const rest = pairs.filter((_, j) => j !== idx);
    return this.unifyTerms(x, y, frame, () => this.unifyPairs(rest, frame, k));
  }

  /** Unify a (pattern) term with a value; binds pattern variables for the continuation. */
  unifyVal(t: CTerm, v: Value, frame: Frame, k: K): boolean {
    switch (t.t) {
      case 'var': {
        const cur = frame[t.slot];
        if (cur === undefined) return this.bind(frame, t.slot, v, k);
        return equals(cur, v) ? k() : false;
      }
      case 'const':
        return equals(t.v, v) ? k() : false;
      case 'array':
        if (!Array.isArray(v) || v.length !== t.items.length) return false;
        return this.unifyItems(t.items, v, 0, frame, k);
      case 'object': {
        if (!(v instanceof RegoObject) || v.size !== t.items.length) return false;
        if (!this.isPattern(t, frame))
          return this.evalTerm(t, frame, (tv) => (equals(tv, v) ? k() : false));
        return this.unifyObject(t.items, v, 0, frame, k);
      }
      default:
        return this.evalTerm(t, frame, (tv) => (equals(tv, v) ? k() : false));
    }
  }

  private unifyItems(items: CTerm[], v: Value[], i: number, frame: Frame, k: K): boolean {
    if (i === items.length) return k();
    return this.unifyVal(items[i], v[i], frame, () => this.unifyItems(items, v, i + 1, frame, k));
  }

  private unifyObject(
    items: [CTerm, CTerm][],
    v: RegoObject,
    i: number,
    frame: Frame,
    k: K,
  ): boolean {
    if (i === items.length) return k();
    const [kt, vt] = items[i];
    return this.evalTerm(kt, frame, (key) => {
      const x = v.get(key);
      return x === undefined
        ? false
        : this.unifyVal(vt, x, frame, () => this.unifyObject(items, v, i + 1, frame, k));
    });
  }

  // ---- calls ----
  private isOutputCall(t: Extract<CTerm, { t: 'call' }>): boolean {
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

  private evalCall(t: Extract<CTerm, { t: 'call' }>, n: number, frame: Frame, k: KV): boolean {
    if (t.fn.kind === 'special' && (t.fn.name === 'print' || t.fn.name === 'internal.print'))
      return this.evalPrint(t, frame, k);
    const items = n === t.args.length ? t.args : t.args.slice(0, n);
    return this.evalItems(items, 0, [], frame, (args) => this.callFn(t.fn, args, t, frame, k));
  }

  private evalPrint(t: Extract<CTerm, { t: 'call' }>, frame: Frame, k: KV): boolean {
    const parts: string[] = [];
    for (const a of t.args) {
      const vals: Value[] = [];
      const mark = this.trailS.length;
      this.evalTerm(a, frame, (v) => (vals.push(v), false));
      this.undo(mark);
      parts.push(
        vals.length === 0 ? '<undefined>' : vals.map((v) => formatTemplateValue(v)).join(', '),
      );
    }
    this.cfg.ctx.print(parts.join(' '));
    return k(true);
  }

  private callFn(
    fn: CallTarget,
    args: Value[],
    t: Extract<CTerm, { t: 'call' }>,
    frame: Frame,
    k: KV,
  ): boolean {
    if (this.fnOverrides) {
      const o = this.fnOverrides.get(fn.name);
      if (o) {
        // `with f as g` calls g; `with f as 1` makes every call of f return 1.
        if (o.target) return this.callFn(o.target, args, t, frame, k);
        return k(o.value as Value);
      }
    }
    switch (fn.kind) {
      case 'builtin': {
        const r = this.callBuiltin(fn.decl, args, t);
        return r === undefined ? false : k(r);
      }
      case 'user': {
        if (fn.node.kind !== 'function') {
          // A call on a non-function rule path: only when `with` replaced it.
          return false;
        }
        const r = this.evalFunction(fn.node, args, t.loc);
        return r === undefined ? false : k(r);
      }
      case 'special':
        return this.callSpecial(fn.name, args, k);
      default:
        throw new RegoEvalError('eval_type_error', `undefined function ${fn.name}`, t.loc);
    }
  }

  private callBuiltin(
    decl: BuiltinDecl,
    args: Value[],
    t: Extract<CTerm, { t: 'call' }>,
  ): Value | undefined {
    try {
      return decl.impl(args, this.cfg.ctx);
    } catch (e) {
      if (e instanceof RegoEvalError) throw e;
      // OPA: built-in errors (type errors included) make the call undefined unless strict.
      if (e instanceof BuiltinError) {
        if (this.cfg.strict) throw new RegoEvalError(e.code, e.message, t.loc);
        return undefined;
      }
      if (e instanceof RangeError) throw e;
      if (this.cfg.strict)
        throw new RegoEvalError(
          'eval_builtin_error',
          `${decl.name}: ${(e as Error).message}`,
          t.loc,
        );
      return undefined;
    }
  }

  private callSpecial(name: string, args: Value[], k: KV): boolean {
    switch (name) {
      case 'internal.member_2': {
        const [x, c] = args;
        if (Array.isArray(c)) return k(c.some((e) => equals(e, x)));
        if (c instanceof RegoSet) return k(c.has(x));
        if (c instanceof RegoObject) return k(c.values().some((e) => equals(e, x)));
        return k(false);
      }
      case 'internal.member_3': {
        const [key, x, c] = args;
        if (Array.isArray(c)) return k(typeof key === 'number' && equals(c[key], x));
        if (c instanceof RegoObject) {
          const v = c.get(key);
          return k(v !== undefined && equals(v, x));
        }
        if (c instanceof RegoSet) return k(false);
        return k(false);
      }
      case 'walk': {
        for (const pair of walkPairs(args[0])) {
          this.step();
          if (k(pair)) return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  // ---- rules ----
  /** The value of the document at a rule-tree node (memoized per evaluation). */
  evalNode(node: RuleNode): Value | undefined {
    const m = this.memo[node.id];
    if (m !== undefined) {
      if (m === NONE) return undefined;
      if (m === PENDING)
        throw new RegoEvalError('eval_recursion_error', `rule ${node.name} is recursive`);
      return m;
    }
    this.memo[node.id] = PENDING;
    let v: Value | undefined;
    try {
      v = this.computeNode(node);
    } catch (e) {
      this.memo[node.id] = undefined;
      throw e;
    }
    this.memo[node.id] = v === undefined ? NONE : v;
    return v;
  }

  private computeNode(node: RuleNode): Value | undefined {
    if (this.overridden(node.path)) return this.baseAt(node.path);
    let v: Value | undefined;
    switch (node.kind) {
      case 'complete':
        // Base documents win over rules at the same path (as OPA's store lookups do).
        v = this.baseAt(node.path) ?? this.evalComplete(node);
        break;
      case 'set':
        v = this.evalSet(node);
        break;
      case 'object':
        v = this.evalObject(node);
        break;
      case 'function':
        return undefined;
      default: {
        const base = this.baseAt(node.path);
        const o =
          base instanceof RegoObject ? container(base.clone()) : container(new RegoObject());
        for (const [key, c] of node.children) {
          const cv = this.evalNode(c);
          if (cv !== undefined) {
            const prev = o.get(key);
            o.set(
              key,
              prev instanceof RegoObject && cv instanceof RegoObject ? mergeObjects(prev, cv) : cv,
            );
          }
        }
        return o;
      }
    }
    if (node.children.size && v instanceof RegoObject) {
      v = v.clone();
      for (const [key, c] of node.children) {
        const cv = this.evalNode(c);
        if (cv === undefined) continue;
        const prev = v.get(key);
        v.set(key, prev === undefined ? cv : mergeValues(prev, cv, c.rules[0]?.loc));
      }
    }
    // Overrides inside this document (`with data.p.q as ...` where p is a rule).
    for (const o of this.dataOverrides) {
      if (o.length > node.path.length && node.path.every((s, j) => s === o[j])) {
        const ov = this.baseAt(o);
        if (ov !== undefined) v = upsert(v ?? EMPTY_OBJECT, o.slice(node.path.length), ov);
      }
    }
    return v;
  }

  private enterRule(loc: RegoLocation): void {
    if (++this.depth > this.cfg.maxDepth)
      throw new RegoEvalError(
        'eval_limit_error',
        `call depth limit exceeded (${this.cfg.maxDepth})`,
        loc,
      );
  }

  /** Runs one rule (and its else chain) and calls `onValue` for each head solution. */
  private runRule(
    rule: CRule,
    args: Value[] | null,
    onValue: (frame: Frame, r: CRule) => boolean,
  ): boolean {
    for (let r: CRule | undefined = rule; r; r = r.elseRule) {
      const frame: Frame = new Array(r.frameSize);
      let found = false;
      const body = (): boolean =>
        this.evalBody(r!.body, 0, frame, () => {
          found = true;
          return onValue(frame, r!);
        });
      const stop = args ? this.unifyItems(r.params, args, 0, frame, body) : body();
      if (stop) return true;
      if (found) return false;
    }
    return false;
  }

  private evalComplete(node: RuleNode): Value | undefined {
    let result: Value | undefined;
    this.enterRule(node.rules[0]?.loc ?? node.defaultRule!.loc);
    try {
      for (const rule of node.rules) {
        this.runRule(rule, null, (frame, r) =>
          this.evalTerm(r.value, frame, (v) => {
            if (result !== undefined && !equals(result, v)) {
              throw new RegoEvalError(
                'eval_conflict_error',
                'complete rules must not produce multiple outputs',
                rule.loc,
              );
            }
            result = v;
            // Early exit: a constant head value cannot conflict with itself.
            return r.constValue;
          }),
        );
      }
    } finally {
      this.depth--;
    }
    if (result === undefined && node.defaultRule) {
      this.evalTerm(node.defaultRule.value, [], (v) => ((result = v), true));
    }
    return result;
  }

  private evalSet(node: RuleNode): Value {
    if (node.rules.some((r) => r.keys.length > 0)) return this.evalKeyedSet(node);
    const out = new RegoSet();
    this.enterRule(node.rules[0]?.loc ?? node.defaultRule!.loc);
    try {
      for (const rule of node.rules) {
        this.runRule(rule, null, (frame, r) => {
          const v = this.direct(r.value, frame);
          if (v === MISS) return this.evalTerm(r.value, frame, (x) => (out.add(x), false));
          if (v !== UNDEF) out.add(v);
          return false;
        });
      }
    } finally {
      this.depth--;
    }
    return out;
  }

  /** `p[x] contains y`: an object whose leaves are sets. */
  private evalKeyedSet(node: RuleNode): Value {
    const out = container(new RegoObject());
    this.enterRule(node.rules[0].loc);
    try {
      for (const rule of node.rules) {
        this.runRule(rule, null, (frame, r) =>
          this.evalItems(r.keys, 0, [], frame, (keys) =>
            this.evalTerm(r.value, frame, (v) => {
              let cur = out;
              for (let i = 0; i < keys.length; i++) {
                const last = i === keys.length - 1;
                let next = cur.get(keys[i]);
                if (next === undefined) {
                  next = last ? new RegoSet() : container(new RegoObject());
                  cur.set(keys[i], next);
                }
                if (last && next instanceof RegoSet) next.add(v);
                else if (!last && next instanceof RegoObject) cur = next;
                else
                  throw new RegoEvalError(
                    'eval_conflict_error',
                    'object keys must be unique',
                    r.loc,
                  );
              }
              return false;
            }),
          ),
        );
      }
    } finally {
      this.depth--;
    }
    return out;
  }

  private evalObject(node: RuleNode): Value {
    const out = container(new RegoObject());
    this.enterRule(node.rules[0]?.loc ?? node.defaultRule!.loc);
    try {
      for (const rule of node.rules) {
        this.runRule(rule, null, (frame, r) =>
          this.evalItems(r.keys, 0, [], frame, (keys) =>
            this.evalTerm(r.value, frame, (v) => {
              insertPath(out, keys, v, rule.loc);
              return false;
            }),
          ),
        );
      }
    } finally {
      this.depth--;
    }
    return out;
  }

  /** Calls a user function; undefined when no definition applies. */
  evalFunction(node: RuleNode, args: Value[], loc: RegoLocation): Value | undefined {
    let result: Value | undefined;
    this.enterRule(loc);
    try {
      for (const rule of node.rules) {
        this.runRule(rule, args, (frame, r) =>
          this.evalTerm(r.value, frame, (v) => {
            if (result !== undefined && !equals(result, v)) {
              throw new RegoEvalError(
                'eval_conflict_error',
                'functions must not produce multiple outputs for same inputs',
                rule.loc,
              );
            }
            result = v;
            return r.constValue;
          }),
        );
      }
    } finally {
      this.depth--;
    }
    if (result === undefined && node.defaultRule) {
      this.evalTerm(node.defaultRule.value, [], (v) => ((result = v), true));
    }
    return result;
  }
}

function insertPath(out: RegoObject, keys: Value[], v: Value, loc: RegoLocation): void {
  let cur = out;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = cur.get(keys[i]);
    if (next === undefined) {
      next = container(new RegoObject());
      cur.set(keys[i], next);
    } else if (!(next instanceof RegoObject)) {
      throw new RegoEvalError('eval_conflict_error', 'object keys must be unique', loc);
    }
    cur = next;
  }
  const last = keys[keys.length - 1];
  const prev = cur.get(last);
  cur.set(last, prev === undefined ? v : mergeValues(prev, v, loc));
}

/**
 * Objects built from rule paths (`p[q].r := ...` next to `p.a.r := ...`) merge; an object that
 * is one rule's value does not take keys from another rule (OPA: eval_conflict_error).
 */
const containers = new WeakSet<RegoObject>();
function container(o: RegoObject): RegoObject {
  containers.add(o);
  return o;
}

function mergeStrict(a: RegoObject, b: RegoObject, loc?: RegoLocation): RegoObject {
  const o = container(a.clone());
  for (const [k, v] of b.entries()) {
    const p = o.get(k);
    o.set(k, p === undefined ? v : mergeValues(p, v, loc));
  }
  return o;
}

/** Two documents defined at the same path: objects merge, sets union, else they must be equal. */
function mergeValues(a: Value, b: Value, loc?: RegoLocation): Value {
  if (
    a instanceof RegoObject &&
    b instanceof RegoObject &&
    containers.has(a) &&
    containers.has(b)
  ) {
    return mergeStrict(a, b, loc);
  }
  if (a instanceof RegoSet && b instanceof RegoSet) {
    const s = a.clone();
    for (const x of b.values()) s.add(x);
    return s;
  }
  if (!equals(a, b))
    throw new RegoEvalError('eval_conflict_error', 'object keys must be unique', loc);
  return a;
}

function mergeObjects(a: RegoObject, b: RegoObject): RegoObject {
  const o = a.clone();
  for (const [k, v] of b.entries()) {
    const p = o.get(k);
    o.set(k, p instanceof RegoObject && v instanceof RegoObject ? mergeObjects(p, v) : v);
  }
  return o;
}

/** Copy of `doc` with `value` at `path` (objects created on the way). */
export function upsert(doc: Value | undefined, path: string[] | Value[], value: Value): Value {
  if (path.length === 0) return value;
  const o = doc instanceof RegoObject ? doc.clone() : new RegoObject();
  o.set(path[0], upsert(o.get(path[0]), path.slice(1), value));
  return o;
}
