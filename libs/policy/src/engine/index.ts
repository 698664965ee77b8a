/**
 * The Rego engine: parse + compile once (`compilePolicy`), evaluate many (`evaluate`, `query`),
 * `opa test` (`runTests`, `runPolicyTestsInDir`). See CONTRACT.md for the shared contract.
 */
export { RegoObject, RegoSet, fromJSON, toJSON, compare, equals } from './value';
export type { Value } from './value';
export { RegoCompileError, RegoEvalError } from './errors';
export type { RegoErrorInfo, RegoLocation } from './errors';
export { compilePolicy, checkPolicy, loadRegoDir, runPolicyTestsInDir } from './policy';
export type {
  CompiledPolicy,
  EvalLimits,
  EvalOptions,
  RegoModuleSource,
  TestResult,
} from './policy';
export { BuiltinRegistry, BuiltinError, BuiltinTypeError } from './builtins/builtin.types';
export type { BuiltinDecl } from './builtins/builtin.types';
export { defaultBuiltins } from './builtins';
