import type { Value } from '../value';

/**
 * The contract between the evaluator and the built-in functions.
 *
 * A built-in is declared (name, argument types, result type: what the compiler checks for
 * arity and, where it can, types) and implemented (a function of values). One `register`
 * function per category file adds its built-ins to a registry (as regorus' builtins/mod.rs).
 */
export type TypeDecl =
  | 'any'
  | 'null'
  | 'boolean'
  | 'number'
  | 'string'
  | 'array'
  | 'object'
  | 'set'
  /** array, set or object (collections iterated by aggregates). */
  | 'collection'
  | { anyOf: TypeDecl[] };

export interface BuiltinContext {
  /** Wall clock in nanoseconds since the epoch, fixed for one evaluation (time.now_ns). */
  nowNs(): bigint;
  /** Sink for print(); the runner/decision service decides where it goes. */
  print(line: string): void;
  /** Per-evaluation cache for non-deterministic built-ins (e.g. rand.intn keeps one answer). */
  cache: Map<string, Value>;
  /** What http.send and net.lookup_ip_addr may reach; absent: nothing. */
  network?: NetworkAccess;
}

/**
 * The network a policy may reach (OPA's `allow_net` capability), owned by one compiled policy.
 * Deny by default: only hosts named here (exact names, port ignored) are reachable.
 */
export interface NetworkAccess {
  /** Exact host names; `*` allows every host (OPA without allow_net: the conformance runner). */
  allowHosts: readonly string[];
  /** http.send's inter-query cache (`cache`/`force_cache` requests): key -> response, expiry. */
  cache: Map<string, { value: Value; expiresAt: number }>;
}

/**
 * Returning `undefined` means the call is undefined (no result, not an error).
 * Throw BuiltinError for runtime errors: the evaluator turns them into undefined unless strict
 * built-in errors are on (OPA's `strict_error`). Type errors (BuiltinTypeError) behave the same
 * at run time (undefined when not strict; every conformance case expecting `eval_type_error`
 * sets `strict_error: true`); with strict errors they surface with code `eval_type_error`.
 */
export type BuiltinImpl = (args: Value[], ctx: BuiltinContext) => Value | undefined;

export interface BuiltinDecl {
  /** Dotted name as written in Rego: `count`, `strings.replace_n`, `time.now_ns`. */
  name: string;
  args: TypeDecl[];
  /** True for variadic tails such as `print`. */
  variadic?: boolean;
  result: TypeDecl;
  impl: BuiltinImpl;
  /** Infix spellings the parser maps to this built-in (`+` -> plus, `==` -> equal). */
  infix?: string;
  nondeterministic?: boolean;
}

/** A runtime error of a built-in: OPA's `eval_builtin_error`. */
export class BuiltinError extends Error {
  readonly code: string = 'eval_builtin_error';
  constructor(
    readonly builtin: string,
    message: string,
  ) {
    super(`${builtin}: ${message}`);
  }
}

/**
 * A wrong operand type at run time: OPA's `eval_type_error`, with its message shape
 * `NAME: operand N must be TYPE but got TYPE`.
 */
export class BuiltinTypeError extends BuiltinError {
  override readonly code: string = 'eval_type_error';
}

export class BuiltinRegistry {
  private readonly byName = new Map<string, BuiltinDecl>();

  register(decl: BuiltinDecl): void {
    this.byName.set(decl.name, decl);
  }
  get(name: string): BuiltinDecl | undefined {
    return this.byName.get(name);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Whether a host is on the allow-list (deny when there is no list). */
export function hostAllowed(network: NetworkAccess | undefined, host: string): boolean {
  if (!network) return false;
  return network.allowHosts.includes(host) || network.allowHosts.includes('*');
}
