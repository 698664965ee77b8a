/** Comparison built-ins (OPA v1/topdown/compare.go): total order across types (ast.Compare). */
import { compare, equals, Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';

export function register(registry: BuiltinRegistry): void {
  const ops: Array<[string, string, (a: Value, b: Value) => boolean]> = [
    ['equal', '==', (a, b) => equals(a, b)],
    ['neq', '!=', (a, b) => !equals(a, b)],
    ['lt', '<', (a, b) => compare(a, b) < 0],
    ['lte', '<=', (a, b) => compare(a, b) <= 0],
    ['gt', '>', (a, b) => compare(a, b) > 0],
    ['gte', '>=', (a, b) => compare(a, b) >= 0],
  ];
  for (const [name, infix, fn] of ops) {
    registry.register({
      name,
      infix,
      args: ['any', 'any'],
      result: 'boolean',
      impl: (a) => fn(a[0], a[1]),
    });
  }
}
