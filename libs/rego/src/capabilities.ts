import type { BuiltinDecl, BuiltinRegistry, TypeDecl } from './builtins/builtin.types';
import { defaultBuiltins } from './builtins';

/** A type in OPA's capabilities.json notation (v1/types, JSON form). */
export type CapabilityType = Record<string, unknown>;

export interface CapabilityBuiltin {
  name: string;
  decl: {
    type: 'function';
    args?: CapabilityType[];
    result?: CapabilityType;
    variadic?: CapabilityType;
  };
  infix?: string;
  nondeterministic?: boolean;
}

/** What the engine supports, in the shape of OPA's `opa capabilities` output. */
export interface Capabilities {
  builtins: CapabilityBuiltin[];
  future_keywords: string[];
  features: string[];
}

const ANY: CapabilityType = { type: 'any' };

function typeOf(t: TypeDecl): CapabilityType {
  if (typeof t === 'object') return { type: 'any', of: t.anyOf.map(typeOf) };
  switch (t) {
    case 'array':
      return { type: 'array', dynamic: ANY };
    case 'object':
      return { type: 'object', dynamic: { key: ANY, value: ANY } };
    case 'set':
      return { type: 'set', of: ANY };
    case 'collection':
      return { type: 'any', of: [typeOf('array'), typeOf('object'), typeOf('set')] };
    default:
      return { type: t };
  }
}

function builtin(d: BuiltinDecl): CapabilityBuiltin {
  const decl: CapabilityBuiltin['decl'] = { type: 'function' };
  const args = d.variadic ? d.args.slice(0, -1) : d.args;
  if (args.length) decl.args = args.map(typeOf);
  if (d.variadic) decl.variadic = typeOf(d.args[d.args.length - 1] ?? 'any');
  decl.result = typeOf(d.result);
  return {
    name: d.name,
    decl,
    ...(d.infix ? { infix: d.infix } : {}),
    ...(d.nondeterministic ? { nondeterministic: true } : {}),
  };
}

/** Functions the evaluator implements itself rather than through the registry. */
const ENGINE_FUNCTIONS: CapabilityBuiltin[] = [
  {
    name: 'assign',
    decl: { type: 'function', args: [ANY, ANY], result: { type: 'boolean' } },
    infix: ':=',
  },
  {
    name: 'eq',
    decl: { type: 'function', args: [ANY, ANY], result: { type: 'boolean' } },
    infix: '=',
  },
  {
    name: 'internal.member_2',
    decl: { type: 'function', args: [ANY, ANY], result: { type: 'boolean' } },
    infix: 'in',
  },
  {
    name: 'internal.member_3',
    decl: { type: 'function', args: [ANY, ANY, ANY], result: { type: 'boolean' } },
    infix: 'in',
  },
  {
    name: 'internal.print',
    decl: { type: 'function', args: [{ type: 'array', dynamic: { type: 'set', of: ANY } }] },
  },
  { name: 'print', decl: { type: 'function', variadic: ANY } },
  {
    name: 'rego.metadata.chain',
    decl: { type: 'function', result: { type: 'array', dynamic: ANY } },
  },
  { name: 'rego.metadata.rule', decl: { type: 'function', result: ANY } },
  {
    name: 'walk',
    decl: {
      type: 'function',
      args: [ANY],
      result: { type: 'array', static: [{ type: 'array', dynamic: ANY }, ANY] },
    },
    relation: true,
  } as CapabilityBuiltin,
];

/**
 * The engine's capabilities (built-ins with their declarations, keywords, features), as
 * `opa capabilities --current` prints OPA's, so the two can be compared by name and type.
 *
 * @example
 * capabilities().builtins.map((b) => b.name).includes('http.send'); // true
 */
export function capabilities(registry: BuiltinRegistry = defaultBuiltins()): Capabilities {
  const names = new Set(registry.names());
  const builtins = [
    ...registry.names().map((n) => builtin(registry.get(n)!)),
    ...ENGINE_FUNCTIONS.filter((f) => !names.has(f.name)),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    builtins,
    future_keywords: ['contains', 'every', 'if', 'in'],
    features: [
      'rego_v1',
      'keywords_in_refs',
      'rule_head_ref_string_prefixes',
      'rule_head_refs',
      'template_strings',
    ],
  };
}
