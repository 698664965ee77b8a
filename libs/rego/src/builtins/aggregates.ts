/** Aggregate built-ins (OPA v1/topdown/aggregates.go). */
import { BigNum, compare, RegoObject, RegoSet, Value } from '../value';
import { mul, type Num, plus } from '../number';
import type { BuiltinRegistry } from './builtin.types';
import { elementError, typeError } from './args';

function items(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  throw typeError(name, 1, 'one of {set, array}', v);
}

function numbers(name: string, v: Value): Num[] {
  const xs = items(name, v);
  for (const x of xs)
    if (typeof x !== 'number' && !(x instanceof BigNum))
      throw elementError(name, 1, v, 'number', x);
  return xs as Num[];
}

function booleans(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  throw typeError(name, 1, 'one of {array, set}', v);
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'count',
    args: [{ anyOf: ['array', 'object', 'set', 'string'] }],
    result: 'number',
    impl: ([v]) => {
      if (typeof v === 'string') {
        let n = 0;
        for (const _ of v) n++;
        return n;
      }
      if (Array.isArray(v)) return v.length;
      if (v instanceof RegoObject || v instanceof RegoSet) return v.size;
      throw typeError('count', 1, 'one of {array, object, set, string}', v);
    },
  });
  registry.register({
    name: 'sum',
    args: [{ anyOf: ['array', 'set'] }],
    result: 'number',
    impl: ([v]) => numbers('sum', v).reduce<Num>((s, x) => plus(s, x), 0),
  });
  registry.register({
    name: 'product',
    args: [{ anyOf: ['array', 'set'] }],
    result: 'number',
    impl: ([v]) => numbers('product', v).reduce<Num>((s, x) => mul(s, x), 1),
  });
  for (const [name, sign] of [
    ['max', 1],
    ['min', -1],
  ] as const) {
    registry.register({
      name,
      args: [{ anyOf: ['array', 'set'] }],
      result: 'any',
      impl: ([v]) => {
        const xs = items(name, v);
        if (xs.length === 0) return undefined;
        let best = xs[0];
        for (let i = 1; i < xs.length; i++) if (compare(xs[i], best) * sign > 0) best = xs[i];
        return best;
      },
    });
  }
  registry.register({
    name: 'sort',
    args: [{ anyOf: ['array', 'set'] }],
    result: 'array',
    impl: ([v]) => {
      if (Array.isArray(v)) return [...v].sort(compare);
      if (v instanceof RegoSet) return v.sorted();
      throw typeError('sort', 1, 'one of {set, array}', v);
    },
  });
  registry.register({
    name: 'all',
    args: [{ anyOf: ['array', 'set'] }],
    result: 'boolean',
    impl: ([v]) => booleans('all', v).every((x) => x === true),
  });
  registry.register({
    name: 'any',
    args: [{ anyOf: ['array', 'set'] }],
    result: 'boolean',
    impl: ([v]) => booleans('any', v).some((x) => x === true),
  });
}
