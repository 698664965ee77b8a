/**
 * Operand checks shared by the built-ins, with OPA's type-error wording
 * (`NAME: operand N must be TYPE but got TYPE`, as v1/topdown/builtins/builtins.go).
 */
import { BigNum, RegoObject, RegoSet, typeName, Value } from '../value';
import { BuiltinError, BuiltinTypeError } from './builtin.types';

export function typeError(
  name: string,
  pos: number,
  expected: string,
  got: Value,
): BuiltinTypeError {
  return new BuiltinTypeError(name, `operand ${pos} must be ${expected} but got ${typeName(got)}`);
}

export function fail(name: string, message: string): BuiltinError {
  return new BuiltinError(name, message);
}

/** Argument `i` (0-based) as a string; error names operand i+1. */
export function str(name: string, args: Value[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') throw typeError(name, i + 1, 'string', v);
  return v;
}

/** A number operand as a double (a BigNum as its nearest double: for built-ins that need no exactness). */
export function num(name: string, args: Value[], i: number): number {
  const v = args[i];
  if (typeof v !== 'number') {
    if (v instanceof BigNum) return v.toNumber();
    throw typeError(name, i + 1, 'number', v);
  }
  return v;
}

/** A number operand, exact (JS number or BigNum). */
export function exactNum(name: string, args: Value[], i: number): number | BigNum {
  const v = args[i];
  if (typeof v !== 'number' && !(v instanceof BigNum)) throw typeError(name, i + 1, 'number', v);
  return v;
}

export function bool(name: string, args: Value[], i: number): boolean {
  const v = args[i];
  if (typeof v !== 'boolean') throw typeError(name, i + 1, 'boolean', v);
  return v;
}

/** An integer operand; OPA's wording for a float is "operand N must be integer number but got floating-point number". */
export function int(name: string, args: Value[], i: number): number {
  const x = args[i];
  const v = num(name, args, i);
  if (x instanceof BigNum ? !x.isInt : !Number.isInteger(v)) {
    throw new BuiltinTypeError(
      name,
      `operand ${i + 1} must be integer number but got floating-point number`,
    );
  }
  return v;
}

export function arr(name: string, args: Value[], i: number): Value[] {
  const v = args[i];
  if (!Array.isArray(v)) throw typeError(name, i + 1, 'array', v);
  return v;
}

export function obj(name: string, args: Value[], i: number): RegoObject {
  const v = args[i];
  if (!(v instanceof RegoObject)) throw typeError(name, i + 1, 'object', v);
  return v;
}

export function set(name: string, args: Value[], i: number): RegoSet {
  const v = args[i];
  if (!(v instanceof RegoSet)) throw typeError(name, i + 1, 'set', v);
  return v;
}

/** Elements of an array or a set (sets in sorted order, as OPA iterates them). */
export function elems(
  name: string,
  args: Value[],
  i: number,
  expected = 'one of {array, set}',
): Value[] {
  const v = args[i];
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.sorted();
  throw typeError(name, i + 1, expected, v);
}

/** Strings of an array or set operand; wording as OPA's builtins.StringSliceOperand. */
export function strings(name: string, args: Value[], i: number): string[] {
  const v = args[i];
  const items = Array.isArray(v) ? v : v instanceof RegoSet ? v.sorted() : undefined;
  if (!items) throw typeError(name, i + 1, 'one of {array, set}', v);
  const out: string[] = [];
  for (const x of items) {
    if (typeof x !== 'string') throw elementError(name, i + 1, v, 'string', x);
    out.push(x);
  }
  return out;
}

export function isObject(v: Value | undefined): v is RegoObject {
  return v instanceof RegoObject;
}

export function isSet(v: Value | undefined): v is RegoSet {
  return v instanceof RegoSet;
}

/** A bounded cache (insertion-order eviction) for compiled patterns. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max = 256) {}
  get(key: string, make: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
      this.map.set(key, v);
    }
    return v;
  }
}

/** Unicode code points of a string (OPA indexes strings by rune). */
export function runes(s: string): string[] {
  return Array.from(s);
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** OPA's builtins.NewOperandElementErr: `operand N must be array of numbers but got array containing string`. */
export function elementError(
  name: string,
  pos: number,
  composite: Value,
  expected: string,
  got: Value,
): BuiltinTypeError {
  const t = typeName(composite);
  return new BuiltinTypeError(
    name,
    `operand ${pos} must be ${t} of ${expected}s but got ${t} containing ${typeName(got)}`,
  );
}
