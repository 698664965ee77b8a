/** Set built-ins (OPA v1/topdown/sets.go). */
import { RegoSet, Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { elementError, set } from './args';

function intersect(a: RegoSet, b: RegoSet): RegoSet {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RegoSet();
  for (const v of small.values()) if (large.has(v)) out.add(v);
  return out;
}

function setsOf(name: string, args: Value[]): RegoSet[] {
  const s = set(name, args, 0);
  const out: RegoSet[] = [];
  for (const x of s.values()) {
    if (!(x instanceof RegoSet)) throw elementError(name, 1, s, 'set', x);
    out.push(x);
  }
  return out;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'and',
    infix: '&',
    args: ['set', 'set'],
    result: 'set',
    impl: (a) => intersect(set('and', a, 0), set('and', a, 1)),
  });
  registry.register({
    name: 'or',
    infix: '|',
    args: ['set', 'set'],
    result: 'set',
    impl: (a) => {
      const x = set('or', a, 0);
      const y = set('or', a, 1);
      const out = x.clone();
      for (const v of y.values()) out.add(v);
      return out;
    },
  });
  registry.register({
    name: 'set_diff',
    args: ['set', 'set'],
    result: 'set',
    impl: (a) => {
      const x = set('set_diff', a, 0);
      const y = set('set_diff', a, 1);
      const out = new RegoSet();
      for (const v of x.values()) if (!y.has(v)) out.add(v);
      return out;
    },
  });
  registry.register({
    name: 'intersection',
    args: ['set'],
    result: 'set',
    impl: (a) => {
      const sets = setsOf('intersection', a);
      if (sets.length === 0) return new RegoSet();
      let acc = sets[0];
      for (let i = 1; i < sets.length; i++) acc = intersect(acc, sets[i]);
      return acc === sets[0] ? acc.clone() : acc;
    },
  });
  registry.register({
    name: 'union',
    args: ['set'],
    result: 'set',
    impl: (a) => {
      const out = new RegoSet();
      for (const s of setsOf('union', a)) for (const v of s.values()) out.add(v);
      return out;
    },
  });
}
