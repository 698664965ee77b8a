import { defaultBuiltins } from '../../src/builtins';
import type { BuiltinContext } from '../../src/builtins/builtin.types';
import { fromJSON, RegoObject, RegoSet, toJSON, Value } from '../../src/value';

export function context(nowNs = 1_700_000_000_000_000_000n): BuiltinContext {
  return { nowNs: () => nowNs, print: () => undefined, cache: new Map<string, Value>() };
}

function toValue(x: unknown): Value {
  return x instanceof RegoSet || x instanceof RegoObject ? x : fromJSON(x);
}

/** Calls a built-in with JSON (or Value) arguments; returns its result as JSON (undefined when undefined). */
export function call(name: string, ...args: unknown[]): unknown {
  return callIn(context(), name, ...args);
}

export function callIn(ctx: BuiltinContext, name: string, ...args: unknown[]): unknown {
  const decl = defaultBuiltins().get(name);
  if (!decl) throw new Error(`no built-in ${name}`);
  const v = decl.impl(args.map(toValue), ctx);
  return v === undefined ? undefined : toJSON(v);
}

/** A Rego set of JSON values. */
export function set(...xs: unknown[]): RegoSet {
  return RegoSet.of(xs.map(toValue));
}
