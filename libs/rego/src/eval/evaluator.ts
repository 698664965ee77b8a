import { BuiltinError, type BuiltinContext, type BuiltinDecl } from '../builtins/builtin.types';
import type { CBody, CExpr, CRule, CTerm, CallTarget, CWith } from '../compiler/plan';
import { RuleNode } from '../compiler/plan';
import { RegoEvalError, type RegoLocation } from '../errors';
import { BigNum, RegoObject, RegoSet, equals, type Value } from '../value';
import { canonicalNumber } from '../number';
import { formatTemplateValue, sortedEntriesOf, sortedValuesOf, walkPairs } from './eval-helpers';
import {
  EMPTY_FRAME,
  EMPTY_OBJECT,
  FAST_FAIL,
  FAST_OK,
  MISS,
  NONE,
  OP_NONE,
  PENDING,
  RULE_FOUND,
  RULE_NONE,
  RULE_STOP,
  UNDEF,
  opOf,
  primitiveOp,
  type DFn,
  type Memo,
} from './eval-constants';
import {
  bodyCode,
  headCode,
  member2,
  member3,
  predictedSize,
  ruleCode,
  type BodyCode,
  type IterCode,
} from './closures';
import { container, insertPath, mergeObjects, mergeValues, upsert } from './documents';

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
  /** @internal (read by the compiled closures below) */
  input: Value | undefined;
  private data: Value;
  /** @internal */
  dataOverrides: string[][] = [];
  /** @internal */
  fnOverrides: Map<string, FnOverride> | null = null;
  /** No base documents (data is {}): rules need not be merged with them. */
  private noBase: boolean;
  /** State of the complete rule / function being evaluated (evalSingleValued). */
  private svResult: Value | undefined = undefined;
  private svRule: CRule | null = null;
  private svConflict = '';
  /** The set being built by evalSet. */
  private setOut: RegoSet | null = null;
  private depth = 0;

  constructor(
    private readonly root: RuleNode,
    private cfg: EvalConfig,
  ) {
    this.input = cfg.input;
    this.data = cfg.data;
    this.noBase = cfg.data instanceof RegoObject && cfg.data.size === 0;
    this.memo = new Array(root.size).fill(undefined);
  }

  /**
   * Makes an evaluator whose last evaluation completed (no error) ready for a new one, as if
   * constructed with `cfg`: the memo table and trail arrays are reused instead of allocated.
   */
  reset(cfg: EvalConfig): void {
    this.cfg = cfg;
    this.input = cfg.input;
    this.data = cfg.data;
    this.noBase = cfg.data instanceof RegoObject && cfg.data.size === 0;
    this.steps = 0;
    this.depth = 0;
    this.trailF.length = 0;
    this.trailS.length = 0;
    this.memo.fill(undefined);
    if (this.dataOverrides.length !== 0) this.dataOverrides = [];
    this.fnOverrides = null;
    this.svResult = undefined;
    this.svRule = null;
    this.svConflict = '';
    this.setOut = null;
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
    const code = bodyCode(body);
    const fns = code.fns;
    const locs = code.locs;
    let r: boolean;
    for (; i < body.length; i++) {
      this.step(locs[i]);
      // FAST_NO (always for `with`): the expression needs the continuation-passing path.
      const f = fns[i](this, frame);
      if (f === FAST_OK) continue;
      if (f === FAST_FAIL) {
        this.undo(mark);
        return false;
      }
      const it = code.iters[i];
      if (it !== null) {
        const res = this.iterFast(it, body, i, frame, k);
        if (res >= 0) {
          this.undo(mark);
          return res === 1;
        }
      }
      const e = body[i];
      const n = i + 1;
      const next = n === body.length ? k : this.rest(body, n, frame, k);
      r = e.with.length ? this.evalWith(e, frame, next) : this.evalExpr(e, frame, next);
      this.undo(mark);
      return r;
    }
    r = k();
    this.undo(mark);
    return r;
  }

  /** The continuation running a body from expression n (a closure outside evalBody's scope). */
  private rest(body: CBody, n: number, frame: Frame, k: K): K {
    return () => this.evalBody(body, n, frame, k);
  }

  /**
   * `some v in coll` / `some k, v in coll` with fresh variables over a single-valued collection:
   * a loop running the rest of the body per element (1: stop, 0: done, -1: not applicable).
   */
  private iterFast(it: IterCode, body: CBody, i: number, frame: Frame, k: K): number {
    const vs = it.val;
    const ks = it.key;
    if (frame[vs] !== undefined || (ks >= 0 && frame[ks] !== undefined)) return -1;
    const c = it.coll(this, frame);
    if (c === MISS) return -1;
    if (c === UNDEF) return 0;
    const n = i + 1;
    const m = this.trailS.length;
    if (Array.isArray(c)) {
      for (let j = 0; j < c.length; j++) {
        this.step();
        if (ks >= 0) this.pushBinding(frame, ks, j);
        this.pushBinding(frame, vs, c[j]);
        const r = this.evalBody(body, n, frame, k);
        this.undo(m);
        if (r) return 1;
      }
    } else if (c instanceof RegoObject) {
      const entries = sortedEntriesOf(c);
      for (let j = 0; j < entries.length; j++) {
        this.step();
        if (ks >= 0) this.pushBinding(frame, ks, entries[j][0]);
        this.pushBinding(frame, vs, entries[j][1]);
        const r = this.evalBody(body, n, frame, k);
        this.undo(m);
        if (r) return 1;
      }
    } else if (c instanceof RegoSet) {
      const vals = sortedValuesOf(c);
      for (let j = 0; j < vals.length; j++) {
        this.step();
        if (ks >= 0) this.pushBinding(frame, ks, vals[j]);
        this.pushBinding(frame, vs, vals[j]);
        const r = this.evalBody(body, n, frame, k);
        this.undo(m);
        if (r) return 1;
      }
    }
    return 0;
  }

  /** @internal */
  pushBinding(frame: Frame, slot: number, v: Value): void {
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
        const op = opOf(t);
        if (op !== OP_NONE) {
          const a = this.direct(t.args[0], frame);
          if (a === MISS || a === UNDEF) return a;
          const b = this.direct(t.args[1], frame);
          if (b === MISS || b === UNDEF) return b;
          const r = primitiveOp(op, a, b);
          if (r !== MISS) return r;
          const out = this.callBuiltin((t.fn as { decl: BuiltinDecl }).decl, [a, b], t);
          return out === undefined ? UNDEF : out;
        }
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
          kt.k !== undefined && v instanceof RegoObject
            ? v.getConst(kt.v, kt.k)
            : this.index(v, kt.v);
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
      // OPA evalEvery: a domain that is not an array, object or set fails the expression
      // (it is not an empty domain).
      if (!(Array.isArray(d) || d instanceof RegoObject || d instanceof RegoSet)) return false;
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

  /** @internal */
  comprehension(
    t: Extract<CTerm, { t: 'arraycomp' | 'setcomp' | 'objectcomp' }>,
    frame: Frame,
  ): Value {
    const mark = this.trailS.length;
    if (t.t === 'arraycomp') {
      const out: Value[] = [];
      const head = headCode(t);
      if (this.collectLoop(t.body, bodyCode(t.body), 0, frame, head, t.head, out, undefined))
        return out;
      this.evalBody(t.body, 0, frame, () => {
        const v = head(this, frame);
        if (v === MISS) return this.evalTerm(t.head, frame, (x) => (out.push(x), false));
        if (v !== UNDEF) out.push(v);
        return false;
      });
      this.undo(mark);
      return out;
    }
    if (t.t === 'setcomp') {
      const out = new RegoSet();
      const head = headCode(t);
      if (this.collectLoop(t.body, bodyCode(t.body), 0, frame, head, t.head, out, undefined))
        return out;
      this.evalBody(t.body, 0, frame, () => {
        const v = head(this, frame);
        if (v === MISS) return this.evalTerm(t.head, frame, (x) => (out.add(x), false));
        if (v !== UNDEF) out.add(v);
        return false;
      });
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

  /**
   * Body from expression i when it is a `some ... in` loop over a single-valued collection
   * (iterFast's case): per element, the straight-line rest of the body runs in a loop and the
   * head value is added to `out` (`key`: keyOf a constant head), with no continuation; an
   * element whose rest needs the general path goes through evalBody. Same steps and results
   * as evalBody(body, i, frame, k) with k adding the head's values; false when not applicable
   * (nothing done, the caller takes the general path).
   */
  private collectLoop(
    body: CBody,
    code: BodyCode,
    i: number,
    frame: Frame,
    head: DFn,
    headTerm: CTerm,
    out: Value[] | RegoSet,
    key: string | undefined,
  ): boolean {
    const it = code.iters[i];
    if (it === null || i >= body.length) return false;
    const vs = it.val;
    const ks = it.key;
    if (frame[vs] !== undefined || (ks >= 0 && frame[ks] !== undefined)) return false;
    this.step(code.locs[i]);
    const c = it.coll(this, frame);
    if (c === MISS) {
      this.steps--; // the general path counts it again
      return false;
    }
    if (c === UNDEF) return true;
    let items: Value[];
    let keys: Value[] | null = null;
    if (Array.isArray(c)) items = c;
    else if (c instanceof RegoObject) {
      const entries = sortedEntriesOf(c);
      items = new Array(entries.length);
      keys = new Array(entries.length);
      for (let j = 0; j < entries.length; j++) {
        keys[j] = entries[j][0];
        items[j] = entries[j][1];
      }
    } else if (c instanceof RegoSet) {
      items = sortedValuesOf(c);
      keys = items;
    } else return true;
    const n = code.fns.length;
    const m = this.trailS.length;
    for (let j = 0; j < items.length; j++) {
      this.step();
      if (ks >= 0) this.pushBinding(frame, ks, keys === null ? j : keys[j]);
      this.pushBinding(frame, vs, items[j]);
      const e = this.fastPrefix(code, frame, i + 1);
      if (e === n) this.collectHead(frame, head, headTerm, out, key);
      else if (e >= 0) {
        this.evalBody(
          body,
          e,
          frame,
          () => (this.collectHead(frame, head, headTerm, out, key), false),
        );
      }
      this.undo(m);
    }
    return true;
  }

  private collectHead(
    frame: Frame,
    head: DFn,
    headTerm: CTerm,
    out: Value[] | RegoSet,
    key: string | undefined,
  ): void {
    if (Array.isArray(out)) {
      const v = head(this, frame);
      if (v === MISS) this.evalTerm(headTerm, frame, (x) => (out.push(x), false));
      else if (v !== UNDEF) out.push(v);
      return;
    }
    if (key !== undefined) {
      out.addKeyed((headTerm as { v: Value }).v, key);
      return;
    }
    const v = head(this, frame);
    if (v === MISS) this.evalTerm(headTerm, frame, (x) => (out.add(x), false));
    else if (v !== UNDEF) out.add(v);
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
  /** @internal */
  isPattern(t: CTerm, frame: Frame): boolean {
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
  /** @internal */
  index(v: Value, key: Value, base = false): Value | undefined {
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
          const x = v.getConst(kt.v, kt.k);
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
        // `with f as 1` makes every call of f return 1. `with f as g` calls g with no mock
        // in force (OPA topdown evalCall: functionMocks.Push), so g may call the f it replaces
        // and sees no other mock; the mocks are back for the rest of the body.
        if (o.target === undefined) return k(o.value as Value);
        const mocks = this.fnOverrides;
        this.fnOverrides = null;
        try {
          return this.callFn(o.target, args, t, frame, (v) => {
            this.fnOverrides = mocks;
            try {
              return k(v);
            } finally {
              this.fnOverrides = null;
            }
          });
        } finally {
          this.fnOverrides = mocks;
        }
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

  /** @internal */
  callBuiltin(
    decl: BuiltinDecl,
    args: Value[],
    t: Extract<CTerm, { t: 'call' }>,
  ): Value | undefined {
    // Results of known size (numbers.range) are charged before they are built: a huge range
    // stops at the step limit instead of allocating first.
    const pre = predictedSize(decl.name, args);
    if (pre > 0) this.charge(pre, t.loc);
    let r: Value | undefined;
    try {
      r = decl.impl(args, this.cfg.ctx);
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
    // A built-in's unsafe integer double (time.now_ns...) takes its one exact representation.
    if (typeof r === 'number') return Number.isSafeInteger(r) ? r : canonicalNumber(r);
    // Built results count against the step budget (one step per element, large ones only).
    if (pre === 0 && typeof r === 'object' && r !== null && !(r instanceof BigNum)) {
      const n = Array.isArray(r) ? r.length : r.builtSize();
      if (n > 64) this.charge(n, t.loc);
    }
    return r;
  }

  /** Charges `n` steps at once (results built by built-ins). */
  private charge(n: number, loc?: RegoLocation): void {
    this.steps += n;
    if (this.steps > this.cfg.maxSteps)
      throw new RegoEvalError(
        'eval_limit_error',
        `step limit exceeded (${this.cfg.maxSteps} steps)`,
        loc,
      );
    if (n >= 1024 && Date.now() > this.cfg.deadline)
      throw new RegoEvalError('eval_limit_error', 'time limit exceeded', loc);
  }

  private callSpecial(name: string, args: Value[], k: KV): boolean {
    switch (name) {
      case 'internal.member_2':
        return k(member2(args[0], args[1]));
      case 'internal.member_3':
        return k(member3(args[0], args[1], args[2]));
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
    // Common case: no base documents, no `with data...`, a leaf rule.
    if (this.dataOverrides.length === 0 && this.noBase && node.children.size === 0) {
      switch (node.kind) {
        case 'complete':
          return this.evalComplete(node);
        case 'set':
          return this.evalSet(node);
      }
    }
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
      const frame: Frame = r.frameSize === 0 ? EMPTY_FRAME : new Array(r.frameSize);
      const code = ruleCode(r);
      const mark = this.trailS.length;
      let simple = args === null;
      if (args !== null && code.params !== null) {
        // Parameters that are variables or constants: bound without continuations.
        const ps = code.params;
        let ok = args.length === ps.length;
        for (let j = 0; ok && j < ps.length; j++) {
          const slot = ps[j];
          if (slot < 0) ok = equals((r.params[j] as { v: Value }).v, args[j]);
          else if (frame[slot] === undefined) this.pushBinding(frame, slot, args[j]);
          else ok = equals(frame[slot] as Value, args[j]);
        }
        if (!ok) {
          this.undo(mark);
          continue;
        }
        simple = true;
      }
      if (simple) {
        // Straight-line prefix of the body without continuations (most rule bodies are all
        // filters and single-valued assignments).
        const body = r.body;
        const i = this.fastPrefix(code, frame, 0);
        if (i < 0) {
          this.undo(mark);
          continue;
        }
        if (i === code.fns.length) {
          const stop = onValue(frame, r);
          this.undo(mark);
          return stop;
        }
        const res = this.runRuleRest(r, body, i, frame, onValue);
        this.undo(mark);
        if (res !== RULE_NONE) return res === RULE_STOP;
        continue;
      }
      const res = this.runRuleGeneric(r, args!, frame, onValue);
      if (res !== RULE_NONE) return res === RULE_STOP;
    }
    return false;
  }

  // The continuation-passing parts of runRule live in their own methods: a closure in
  // runRule would make every call of it allocate a context, fast path included.

  /** The rest of a rule body from expression i: RULE_STOP, RULE_FOUND or RULE_NONE. */
  private runRuleRest(
    r: CRule,
    body: CBody,
    i: number,
    frame: Frame,
    onValue: (frame: Frame, r: CRule) => boolean,
  ): number {
    let found = false;
    const stop = this.evalBody(body, i, frame, () => {
      found = true;
      return onValue(frame, r);
    });
    return stop ? RULE_STOP : found ? RULE_FOUND : RULE_NONE;
  }

  /** A function rule whose parameters are patterns. */
  private runRuleGeneric(
    r: CRule,
    args: Value[],
    frame: Frame,
    onValue: (frame: Frame, r: CRule) => boolean,
  ): number {
    let found = false;
    const body = (): boolean =>
      this.evalBody(r.body, 0, frame, () => {
        found = true;
        return onValue(frame, r);
      });
    const stop = this.unifyItems(r.params, args, 0, frame, body);
    return stop ? RULE_STOP : found ? RULE_FOUND : RULE_NONE;
  }

  private evalComplete(node: RuleNode): Value | undefined {
    return this.evalSingleValued(node, null, 'complete rules must not produce multiple outputs');
  }

  /** Complete rules and functions: every solution of every rule must give the same value. */
  private evalSingleValued(
    node: RuleNode,
    args: Value[] | null,
    conflict: string,
    loc?: RegoLocation,
  ): Value | undefined {
    // The state of this evaluation lives in fields (no closures per call); nested evaluations
    // save and restore it.
    const savedResult = this.svResult;
    const savedRule = this.svRule;
    const savedConflict = this.svConflict;
    let result: Value | undefined;
    this.svResult = undefined;
    this.svConflict = conflict;
    this.enterRule(loc ?? node.rules[0]?.loc ?? node.defaultRule!.loc);
    try {
      const rules = node.rules;
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j];
        this.svRule = r;
        // Rules without an else chain run inline (no onValue callback per rule).
        if (r.elseRule === undefined) this.svRun(r, args);
        else this.runRule(r, args, this.svOnValue);
      }
      result = this.svResult;
    } finally {
      this.depth--;
      this.svResult = savedResult;
      this.svRule = savedRule;
      this.svConflict = savedConflict;
    }
    if (result === undefined && node.defaultRule) return this.defaultValue(node.defaultRule);
    return result;
  }

  /** runRule(r, args, svOnValue) for a rule without an else chain. */
  private svRun(r: CRule, args: Value[] | null): void {
    const code = ruleCode(r);
    const frame: Frame = r.frameSize === 0 ? EMPTY_FRAME : new Array(r.frameSize);
    const mark = this.trailS.length;
    if (args !== null) {
      const ps = code.params;
      if (ps === null) {
        this.runRuleGeneric(r, args, frame, this.svOnValue);
        return;
      }
      let ok = args.length === ps.length;
      for (let j = 0; ok && j < ps.length; j++) {
        const slot = ps[j];
        if (slot < 0) ok = equals((r.params[j] as { v: Value }).v, args[j]);
        else if (frame[slot] === undefined) this.pushBinding(frame, slot, args[j]);
        else ok = equals(frame[slot] as Value, args[j]);
      }
      if (!ok) {
        this.undo(mark);
        return;
      }
    }
    const i = this.fastPrefix(code, frame, 0);
    if (i < 0) {
      this.undo(mark);
      return;
    }
    if (i === code.fns.length) {
      const v = code.value(this, frame);
      if (v === MISS) this.svValues(frame, r);
      else if (v !== UNDEF) this.svAccept(v, r);
    } else this.runRuleRest(r, r.body, i, frame, this.svOnValue);
    this.undo(mark);
  }

  private defaultValue(rule: CRule): Value | undefined {
    const d = rule.value;
    if (d.t === 'const') return d.v;
    let result: Value | undefined;
    this.evalTerm(d, EMPTY_FRAME, (v) => ((result = v), true));
    return result;
  }

  private svAccept(v: Value, r: CRule): boolean {
    const result = this.svResult;
    if (result !== undefined && !equals(result, v)) {
      throw new RegoEvalError('eval_conflict_error', this.svConflict, this.svRule!.loc);
    }
    this.svResult = v;
    // Early exit: a constant head value cannot conflict with itself.
    return r.constValue;
  }

  private readonly svOnValue = (frame: Frame, r: CRule): boolean => {
    const v = ruleCode(r).value(this, frame);
    if (v !== MISS) return v === UNDEF ? false : this.svAccept(v, r);
    return this.svValues(frame, r);
  };

  private svValues(frame: Frame, r: CRule): boolean {
    return this.evalTerm(r.value, frame, (x) => this.svAccept(x, r));
  }

  private readonly setOnValue = (frame: Frame, r: CRule): boolean => {
    const out = this.setOut!;
    const code = ruleCode(r);
    if (code.valueKey !== undefined) {
      out.addKeyed((r.value as { v: Value }).v, code.valueKey);
      return false;
    }
    const v = code.value(this, frame);
    if (v === MISS) return this.setValues(frame, r, out);
    if (v !== UNDEF) out.add(v);
    return false;
  };

  /**
   * Runs a body's compiled steps from `from` while each decides on its own. Returns the index
   * of the first step that needs the general evaluator (not counted: evalBody counts it), the
   * body's length when every step passed, or -1 when one failed.
   */
  private fastPrefix(code: BodyCode, frame: Frame, from: number): number {
    const fns = code.fns;
    const locs = code.locs;
    const n = fns.length;
    for (let i = from; i < n; i++) {
      this.step(locs[i]);
      const f = fns[i](this, frame);
      if (f === FAST_OK) continue;
      if (f === FAST_FAIL) return -1;
      this.steps--;
      return i;
    }
    return n;
  }

  /** runRule(r, null, setOnValue) for a rule without an else chain. */
  private setRun(r: CRule, out: RegoSet): void {
    const code = ruleCode(r);
    const frame: Frame = r.frameSize === 0 ? EMPTY_FRAME : new Array(r.frameSize);
    const mark = this.trailS.length;
    const i = this.fastPrefix(code, frame, 0);
    if (i < 0) {
      this.undo(mark);
      return;
    }
    if (i === code.fns.length) {
      if (code.valueKey !== undefined) out.addKeyed((r.value as { v: Value }).v, code.valueKey);
      else {
        const v = code.value(this, frame);
        if (v === MISS) this.setValues(frame, r, out);
        else if (v !== UNDEF) out.add(v);
      }
    } else if (!this.collectLoop(r.body, code, i, frame, code.value, r.value, out, code.valueKey))
      this.runRuleRest(r, r.body, i, frame, this.setOnValue);
    this.undo(mark);
  }

  private setValues(frame: Frame, r: CRule, out: RegoSet): boolean {
    return this.evalTerm(r.value, frame, (x) => (out.add(x), false));
  }

  private evalSet(node: RuleNode): Value {
    const rules = node.rules;
    for (let j = 0; j < rules.length; j++)
      if (rules[j].keys.length > 0) return this.evalKeyedSet(node);
    const out = new RegoSet();
    const saved = this.setOut;
    this.setOut = out;
    this.enterRule(rules[0]?.loc ?? node.defaultRule!.loc);
    try {
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j];
        if (r.elseRule === undefined) this.setRun(r, out);
        else this.runRule(r, null, this.setOnValue);
      }
    } finally {
      this.depth--;
      this.setOut = saved;
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
    return this.evalSingleValued(
      node,
      args,
      'functions must not produce multiple outputs for same inputs',
      loc,
    );
  }
}
