/** Type built-ins (OPA v1/topdown/type.go, type_name.go). */
import { typeName } from '../value';
import type { BuiltinRegistry } from './builtin.types';

export function register(registry: BuiltinRegistry): void {
  for (const t of ['number', 'string', 'boolean', 'array', 'set', 'object', 'null'] as const) {
    registry.register({
      name: `is_${t}`,
      args: ['any'],
      result: 'boolean',
      impl: ([v]) => typeName(v) === t,
    });
  }
  registry.register({
    name: 'type_name',
    args: ['any'],
    result: 'string',
    impl: ([v]) => typeName(v),
  });
}
