import type { Evaluator, Frame } from './evaluator';
import type { CTerm } from '../compiler/plan';
import { RegoObject, type Value } from '../value';
import * as N from '../number';

/** Sentinels, fast-path outcomes and inline operators shared by the evaluator and its closure compiler. */
export const PENDING = Symbol('pending');
export const UNDEF = Symbol('undefined');
export const MISS = Symbol('miss');
export const FAST_OK = 1;
export const FAST_FAIL = 0;
export const FAST_NO = -1;
export const NONE = Symbol('none');
export type Memo = (Value | typeof PENDING | typeof NONE | undefined)[];
export const EMPTY_OBJECT = new RegoObject();
/** Frame of rules without variables: nothing is ever bound in it. */
export const EMPTY_FRAME: Frame = [];
/** runRule outcomes of one rule: stop the enumeration, body succeeded, no solution. */
export const RULE_STOP = 2;
export const RULE_FOUND = 1;
export const RULE_NONE = 0;

/** Built-ins with an inline fast path on primitive arguments (same results as their impl). */
export const OP_NONE = 0;
export const OP_EQ = 1;
export const OP_NEQ = 2;
export const OP_LT = 3;
export const OP_LTE = 4;
export const OP_GT = 5;
export const OP_GTE = 6;
export const OP_PLUS = 7;
export const OP_MINUS = 8;
export const OP_MUL = 9;
export const OPS = new Map<string, number>([
  ['equal', OP_EQ],
  ['neq', OP_NEQ],
  ['lt', OP_LT],
  ['lte', OP_LTE],
  ['gt', OP_GT],
  ['gte', OP_GTE],
  ['plus', OP_PLUS],
  ['minus', OP_MINUS],
  ['mul', OP_MUL],
]);

/** Type tests inlined on their argument (same results as builtins/types.ts). */
export const TYPE_TESTS = new Map<string, string>([
  ['is_number', 'number'],
  ['is_string', 'string'],
  ['is_boolean', 'boolean'],
  ['is_array', 'array'],
  ['is_set', 'set'],
  ['is_object', 'object'],
  ['is_null', 'null'],
]);

export function opOf(t: Extract<CTerm, { t: 'call' }>): number {
  let op = t.op;
  if (op === undefined) {
    op =
      t.fn.kind === 'builtin' && t.args.length === 2 && !t.fn.decl.variadic
        ? (OPS.get(t.fn.name) ?? OP_NONE)
        : OP_NONE;
    t.op = op;
  }
  return op;
}

/**
 * The result of a binary built-in on two values when both are primitives of the kinds its
 * fast path covers; MISS otherwise (the built-in is called).
 */
export function primitiveOp(op: number, a: Value, b: Value): Value | typeof MISS {
  const ta = typeof a;
  const tb = typeof b;
  switch (op) {
    case OP_EQ:
      // equals() on anything but two composites is ===.
      if (ta !== 'object' || tb !== 'object' || a === null || b === null) return a === b;
      return MISS;
    case OP_NEQ:
      if (ta !== 'object' || tb !== 'object' || a === null || b === null) return a !== b;
      return MISS;
  }
  if (ta !== tb || (ta !== 'number' && (ta !== 'string' || op >= OP_PLUS))) return MISS;
  switch (op) {
    case OP_LT:
      return (a as number) < (b as number);
    case OP_LTE:
      return (a as number) <= (b as number);
    case OP_GT:
      return (a as number) > (b as number);
    case OP_GTE:
      return (a as number) >= (b as number);
    // Integers in the int32 window stay so; anything else is OPA's exact arithmetic.
    case OP_PLUS: {
      const r = (a as number) + (b as number);
      return (r | 0) === r && ((a as number) | 0) === a && ((b as number) | 0) === b
        ? r
        : N.plus(a as number, b as number);
    }
    case OP_MINUS: {
      const r = (a as number) - (b as number);
      return (r | 0) === r && ((a as number) | 0) === a && ((b as number) | 0) === b
        ? r
        : N.minus(a as number, b as number);
    }
    case OP_MUL: {
      const r = (a as number) * (b as number);
      return (r | 0) === r && ((a as number) | 0) === a && ((b as number) | 0) === b
        ? r
        : N.mul(a as number, b as number);
    }
  }
  return MISS;
}

/** A term's single value: a value, UNDEF, or MISS (needs the continuation-passing path). */
export type DFn = (ev: Evaluator, f: Frame) => Value | typeof UNDEF | typeof MISS;
/** A path walked from a value. */
export type PFn = (ev: Evaluator, v: Value, f: Frame) => Value | typeof UNDEF | typeof MISS;
/** An expression without continuation: FAST_OK, FAST_FAIL or FAST_NO. */
export type XFn = (ev: Evaluator, f: Frame) => number;
