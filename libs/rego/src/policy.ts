import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuiltinContext, BuiltinRegistry, NetworkAccess } from './builtins/builtin.types';
import { defaultBuiltins } from './builtins';
import {
  compileModules,
  compileQuery,
  parseModules,
  type CompiledQuery,
  type Plan,
} from './compiler/compile';
import type { RuleNode } from './compiler/plan';
import { RegoCompileError, RegoEvalError, type RegoErrorInfo, type RegoLocation } from './errors';
import { Evaluator, type EvalConfig, type Frame } from './eval/evaluator';
import { fromJSONLazy, RegoObject, toJSON, type Value } from './value';

export interface RegoModuleSource {
  /** File name used in error locations, e.g. 'policies/subsidy.rego'. */
  path: string;
  source: string;
}

export interface CompileOptions {
  builtins?: BuiltinRegistry;
  /** Hosts http.send and net.lookup_ip_addr may reach; none when absent (deny by default). */
  network?: { allowHosts?: readonly string[] };
}

export interface EvalLimits {
  /** Evaluation steps (expressions and iterations); default 1,000,000. */
  maxSteps?: number;
  /** Wall-clock budget; default 1000 ms. */
  timeoutMs?: number;
  /** Nesting of rule and function evaluation; default 200. */
  maxDepth?: number;
}

export interface EvalOptions {
  /** JSON (or a Value) */
  input?: unknown;
  /** Base documents (JSON), merged under data.* */
  data?: unknown;
  limits?: EvalLimits;
  strictBuiltinErrors?: boolean;
  /** Fixes time.now_ns */
  nowNs?: bigint;
  print?: (line: string) => void;
}

export interface TestResult {
  package: string;
  name: string;
  passed: boolean;
  error?: string;
  durationMs: number;
  location?: RegoLocation;
}

export interface CompiledPolicy {
  /** Packages of the modules, e.g. ['nanopod.subsidy']. */
  readonly packages: string[];
  /**
   * Value of a document as JSON; undefined when the document is undefined.
   *
   * @example
   * const policy = compilePolicy([{ path: 'p.rego', source: 'package x\nallow if input.ok' }]);
   * policy.evaluate('data.x.allow', { input: { ok: true } }); // true
   */
  evaluate(ref: string, options?: EvalOptions): unknown;
  /**
   * A query as `opa eval` runs it: one row of variable bindings (JSON) per solution.
   *
   * @example
   * policy.query('x := data.x.allow'); // [{ x: true }]
   */
  query(query: string, options?: EvalOptions): Array<Record<string, unknown>>;
  /**
   * Runs every rule named test_* (opa test semantics: passes when defined and not false).
   *
   * @example
   * policy.runTests().filter((t) => !t.passed);
   */
  runTests(options?: EvalOptions & { filter?: RegExp }): TestResult[];
}

const DEFAULT_LIMITS = { maxSteps: 1_000_000, timeoutMs: 1000, maxDepth: 200 };
const EMPTY_DATA = new RegoObject();
const noPrint = (): void => undefined;

/** The built-ins' view of one evaluation. */
class EvalContext implements BuiltinContext {
  private cacheMap: Map<string, Value> | undefined = undefined;
  constructor(
    private now: bigint | undefined,
    readonly print: (line: string) => void,
    readonly network: NetworkAccess,
  ) {}
  /** time.now_ns is fixed for one evaluation: taken on first use. */
  nowNs(): bigint {
    return (this.now ??= BigInt(Date.now()) * 1_000_000n);
  }
  /** Few evaluations use it (rand.intn...): created on first use. */
  get cache(): Map<string, Value> {
    return (this.cacheMap ??= new Map());
  }
}

/** Row callback of the raw query API: Values, not JSON. */
export type RowSink = (row: Map<string, Value>) => void;

/** Internal options of the raw API (conformance runner): input already a Value. */
export interface RawEvalOptions extends Omit<EvalOptions, 'input' | 'data'> {
  input?: Value;
  data?: Value;
}

class Policy implements CompiledPolicy {
  readonly packages: string[];
  private readonly queries = new Map<string, CompiledQuery>();
  private readonly refPaths = new Map<string, string[] | null>();

  constructor(
    readonly plan: Plan,
    private readonly network: NetworkAccess,
  ) {
    this.packages = plan.packages;
  }

  private prepare(query: string): CompiledQuery {
    let q = this.queries.get(query);
    if (!q) {
      const errors: RegoErrorInfo[] = [];
      const c = compileQuery(this.plan, query, errors);
      if (!c || errors.length) throw new RegoCompileError(errors);
      q = c;
      if (this.queries.size > 1000) this.queries.clear();
      this.queries.set(query, q);
    }
    return q;
  }

  private evaluator(options: RawEvalOptions | undefined): Evaluator {
    return new Evaluator(this.plan.root, evalConfig(options, this.network));
  }

  /** An evaluator whose last evaluation completed: reused by evaluateRaw (memo, trail). */
  private idle: Evaluator | null = null;

  /** Value of a data document at a rule-tree path. */
  evaluateRaw(refPath: string[], options: RawEvalOptions | undefined): Value | undefined {
    let ev = this.idle;
    if (ev === null) ev = this.evaluator(options);
    else {
      // Taken while in use: an evaluation started from inside this one gets its own.
      this.idle = null;
      ev.reset(evalConfig(options, this.network));
    }
    let node: RuleNode | undefined = this.plan.root;
    let i = 0;
    for (; i < refPath.length && node; i++) {
      if (node.hasRules) break;
      const c: RuleNode | undefined = node.children.get(refPath[i]);
      if (!c) break;
      node = c;
    }
    let v: Value | undefined;
    try {
      v = ev.evalNode(node!);
    } catch (e) {
      throw guardError(e);
    }
    // Only an evaluation that completed leaves its evaluator for the next one.
    this.idle = ev;
    return this.documentAt(v, refPath, i, node!);
  }

  private documentAt(
    v: Value | undefined,
    refPath: string[],
    i: number,
    node: RuleNode,
  ): Value | undefined {
    if (v === undefined && i < refPath.length && !node.hasRules) return undefined;
    for (; i < refPath.length && v !== undefined; i++)
      v = v instanceof RegoObject ? v.get(refPath[i]) : undefined;
    return v;
  }

  /** Runs a query with Value input/data; calls `onRow` per solution. Throws RegoEvalError. */
  queryRaw(query: string, options: RawEvalOptions | undefined, onRow: RowSink): void {
    const q = this.prepare(query);
    const ev = this.evaluator(options);
    const frame: Frame = new Array(q.frameSize);
    guard(() =>
      ev.runBody(q.body, frame, () => {
        const row = new Map<string, Value>();
        for (const [name, slot] of q.vars) {
          const v = frame[slot];
          if (v !== undefined) row.set(name, v);
        }
        onRow(row);
        return false;
      }),
    );
  }

  evaluate(ref: string, options?: EvalOptions): unknown {
    let refPath = this.refPaths.get(ref);
    if (refPath === undefined) {
      refPath = parseDataRef(ref);
      if (this.refPaths.size < 1000) this.refPaths.set(ref, refPath);
    }
    const v = refPath ? this.evaluateRaw(refPath, toRaw(options)) : this.firstValue(ref, options);
    return v === undefined ? undefined : toJSON(v);
  }

  private firstValue(ref: string, options?: EvalOptions): Value | undefined {
    let out: Value | undefined;
    this.queryRaw(`__result__ = ${ref}`, toRaw(options), (row) => {
      if (out === undefined) out = row.get('__result__');
    });
    return out;
  }

  query(query: string, options?: EvalOptions): Array<Record<string, unknown>> {
    const rows: Array<Record<string, unknown>> = [];
    this.queryRaw(query, toRaw(options), (row) => {
      const r: Record<string, unknown> = {};
      for (const [k, v] of row) r[k] = toJSON(v);
      rows.push(r);
    });
    return rows;
  }

  runTests(options?: EvalOptions & { filter?: RegExp }): TestResult[] {
    const results: TestResult[] = [];
    const visit = (node: RuleNode): void => {
      if (node.hasRules && node.key.startsWith('test_') && node.kind !== 'function') {
        const name = node.path[node.path.length - 1];
        const pkg = node.path.slice(0, -1).join('.');
        if (!options?.filter || options.filter.test(`data.${pkg}.${name}`)) {
          const started = performance.now();
          const location = node.rules[0]?.loc;
          try {
            const v = this.evaluateRaw(node.path, toRaw(options));
            const passed = v !== undefined && v !== false;
            results.push({
              package: pkg,
              name,
              passed,
              ...(passed ? {} : { error: failureMessage(v === false, location) }),
              durationMs: performance.now() - started,
              location,
            });
          } catch (e) {
            results.push({
              package: pkg,
              name,
              passed: false,
              error: (e as Error).message,
              durationMs: performance.now() - started,
              location,
            });
          }
        }
      }
      for (const c of node.children.values()) visit(c);
    };
    visit(this.plan.root);
    return results;
  }
}

/** Converts a JS stack overflow into our limit error: hostile policies must not crash callers. */
function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw guardError(e);
  }
}

/** What guard() throws for an error thrown during evaluation. */
function guardError(e: unknown): unknown {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new RegoEvalError('eval_limit_error', 'evaluation too deeply nested (stack exhausted)');
  }
  return e;
}

function evalConfig(options: RawEvalOptions | undefined, network: NetworkAccess): EvalConfig {
  const limits = options?.limits;
  const ctx = new EvalContext(options?.nowNs, options?.print ?? noPrint, network);
  return {
    input: options?.input,
    data: options?.data ?? EMPTY_DATA,
    strict: options?.strictBuiltinErrors ?? false,
    maxSteps: limits?.maxSteps ?? DEFAULT_LIMITS.maxSteps,
    deadline: Date.now() + (limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs),
    maxDepth: limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    ctx,
  };
}

function toRaw(options?: EvalOptions): RawEvalOptions | undefined {
  if (!options) return undefined;
  // Input and data are converted on demand: a decision reading a few fields of a large input
  // does not pay for converting all of it.
  return {
    limits: options.limits,
    strictBuiltinErrors: options.strictBuiltinErrors,
    nowNs: options.nowNs,
    print: options.print,
    input: options.input === undefined ? undefined : fromJSONLazy(options.input),
    data: options.data === undefined ? undefined : fromJSONLazy(options.data),
  };
}

/** `data.a.b.c` (or `data.a["b"]`) as a path; null for anything else. */
function parseDataRef(ref: string): string[] | null {
  const m = /^\s*data((?:\.[A-Za-z_][A-Za-z0-9_]*|\["(?:[^"\\]|\\.)*"\])*)\s*$/.exec(ref);
  if (!m) return null;
  const out: string[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\]/g;
  let x: RegExpExecArray | null;
  while ((x = re.exec(m[1]))) out.push(x[1] ?? (JSON.parse(x[2]) as string));
  return out;
}

/**
 * Parses and compiles modules once; the result evaluates many times.
 * Throws RegoCompileError with every error (file:row:col).
 *
 * @example
 * const policy = compilePolicy([{ path: 'subsidy.rego', source }]);
 * const decision = policy.evaluate('data.nanopod.subsidy.decision', { input });
 */
export function compilePolicy(
  modules: RegoModuleSource[],
  options?: CompileOptions,
): CompiledPolicy {
  return compileToPolicy(modules, options);
}

/** compilePolicy with the engine-internal raw API (Values in and out): conformance runner. */
export function compileToPolicy(modules: RegoModuleSource[], options?: CompileOptions): Policy {
  const errors: RegoErrorInfo[] = [];
  let plan: Plan;
  try {
    const parsed = parseModules(modules, errors);
    if (errors.length) throw new RegoCompileError(errors);
    plan = compileModules(parsed, options?.builtins ?? defaultBuiltins(), errors);
  } catch (e) {
    // Hostile input (thousands of chained rules) must be an error, never a crashed caller.
    if (e instanceof RangeError) {
      throw new RegoCompileError([
        {
          code: 'rego_compile_error',
          message: 'policy too complex to compile (nesting or rule chains too deep)',
        },
      ]);
    }
    throw e;
  }
  if (errors.length) throw new RegoCompileError(errors);
  return new Policy(plan, {
    allowHosts: [...(options?.network?.allowHosts ?? [])],
    cache: new Map(),
  });
}

/**
 * The checks of compilePolicy, returning the errors instead of throwing ([] when valid).
 *
 * @example
 * checkPolicy([{ path: 'p.rego', source: 'package p\nx if y' }]); // [{code: 'rego_unsafe_var_error', ...}]
 */
export function checkPolicy(
  modules: RegoModuleSource[],
  options?: { builtins?: BuiltinRegistry },
): RegoErrorInfo[] {
  try {
    compilePolicy(modules, options);
    return [];
  } catch (e) {
    if (e instanceof RegoCompileError) return e.errors;
    throw e;
  }
}

/**
 * Reads *.rego files (recursively, sorted) from a directory as modules.
 *
 * @example
 * const policy = compilePolicy(loadRegoDir('policies'));
 */
export function loadRegoDir(dir: string): RegoModuleSource[] {
  const out: RegoModuleSource[] = [];
  const walk = (d: string): void => {
    for (const e of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.rego'))
        out.push({ path: p, source: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

/**
 * `opa test DIR`: compiles every *.rego under dir (tests included) and runs the test_* rules.
 * A compile error is one failed result per error.
 *
 * @example
 * runPolicyTestsInDir('policies').every((t) => t.passed);
 */
export function runPolicyTestsInDir(
  dir: string,
  options?: EvalOptions & { filter?: RegExp },
): TestResult[] {
  let policy: Policy;
  try {
    policy = compileToPolicy(loadRegoDir(dir));
  } catch (e) {
    if (e instanceof RegoCompileError) {
      return e.errors.map((er) => ({
        package: '',
        name: er.code,
        passed: false,
        error: `${er.location ? `${er.location.file}:${er.location.row}: ` : ''}${er.code}: ${er.message}`,
        durationMs: 0,
        location: er.location,
      }));
    }
    throw e;
  }
  return policy.runTests(options);
}

export type { Policy };

/** Why a test rule did not pass, as `opa test` users would want it read. */
function failureMessage(
  wasFalse: boolean,
  loc: { file?: string; row?: number } | undefined,
): string {
  const at = loc?.file ? ` (${loc.file}${loc.row ? `:${loc.row}` : ''})` : '';
  return wasFalse
    ? `the test evaluated to false${at}`
    : `the test's body was not satisfied: an expression in it was false or undefined${at}`;
}
