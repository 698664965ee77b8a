import type { BuiltinRegistry } from './builtins/builtin.types';
import { defaultBuiltins } from './builtins';
import type { RegoErrorInfo } from './errors';
import {
  checkPolicy,
  compilePolicy,
  type CompiledPolicy,
  type EvalOptions,
  type RegoModuleSource,
} from './policy';

export interface EngineOptions {
  /** The built-ins policies may call; default: every built-in the engine has. */
  builtins?: BuiltinRegistry;
  /**
   * Hosts http.send and net.lookup_ip_addr may reach (OPA's `allow_net`): exact host names,
   * port ignored. Absent or empty: no network at all.
   */
  network?: { allowHosts?: readonly string[] };
}

/**
 * One query against one compiled set of modules, parsed and planned once (OPA's
 * `rego.PrepareForEval`): `eval` runs it with an input as often as needed.
 *
 * @example
 * const q = new Engine().prepare([{ path: 'p.rego', source }], 'data.p.allow');
 * q.eval({ input: { user: 'ann' } }); // [{ result: true }] when allowed
 */
export interface PreparedQuery {
  readonly query: string;
  /** One row per solution; the query's value is under `result` when it is a single ref. */
  eval(options?: EvalOptions): Array<Record<string, unknown>>;
}

/**
 * The Rego engine's entry point: compiles modules with a fixed set of built-ins.
 *
 * @example
 * const engine = new Engine();
 * const policy = engine.compile(loadRegoDir('policies'));
 * policy.evaluate('data.nanopod.subsidy.decision', { input });
 */
export class Engine {
  private readonly builtins: BuiltinRegistry;
  private readonly network: EngineOptions['network'];

  constructor(options: EngineOptions = {}) {
    this.builtins = options.builtins ?? defaultBuiltins();
    this.network = options.network;
  }

  /** Parses and compiles; throws RegoCompileError with every error found. */
  compile(modules: RegoModuleSource[]): CompiledPolicy {
    return compilePolicy(modules, { builtins: this.builtins, network: this.network });
  }

  /** The errors compile would throw; [] for valid modules. */
  check(modules: RegoModuleSource[]): RegoErrorInfo[] {
    return checkPolicy(modules, { builtins: this.builtins });
  }

  /** Compiles the modules and the query once. */
  prepare(modules: RegoModuleSource[], query: string): PreparedQuery {
    const policy = this.compile(modules);
    const single = /^\s*data(\.[A-Za-z_][A-Za-z0-9_]*)*\s*$/.test(query);
    const text = single ? `result = ${query}` : query;
    // Compiling the query now surfaces its errors at prepare time, as OPA does.
    policy.query(`${text}; false`);
    return {
      query,
      eval: (options?: EvalOptions) => policy.query(text, options),
    };
  }
}
