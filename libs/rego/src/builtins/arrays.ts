/** Array built-ins (OPA v1/topdown/array.go). */
import type { BuiltinRegistry } from './builtin.types';
import { arr, int } from './args';

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'array.concat',
    args: ['array', 'array'],
    result: 'array',
    impl: (a) => arr('array.concat', a, 0).concat(arr('array.concat', a, 1)),
  });
  registry.register({
    name: 'array.slice',
    args: ['array', 'number', 'number'],
    result: 'array',
    impl: (a) => {
      const xs = arr('array.slice', a, 0);
      let start = int('array.slice', a, 1);
      let stop = int('array.slice', a, 2);
      if (start < 0) start = 0;
      if (stop > xs.length) stop = xs.length;
      if (start >= stop) return [];
      return xs.slice(start, stop);
    },
  });
  registry.register({
    name: 'array.flatten',
    args: ['array'],
    result: 'array',
    impl: (a) => arr('array.flatten', a, 0).flatMap((x) => (Array.isArray(x) ? x : [x])),
  });
  registry.register({
    name: 'array.reverse',
    args: ['array'],
    result: 'array',
    impl: (a) => [...arr('array.reverse', a, 0)].reverse(),
  });
}
