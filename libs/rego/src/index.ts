/**
 * The Rego engine, framework-free: parse and compile once (`Engine.compile`, `compilePolicy`),
 * evaluate many (`evaluate`, `query`, `PreparedQuery.eval`), `opa test` (`runTests`,
 * `runPolicyTestsInDir`). Everything else in this folder is private to the engine.
 */
export { Engine } from './engine';
export type { EngineOptions, PreparedQuery } from './engine';
export { BigNum, RegoObject, RegoSet, fromJSON, toJSON, compare, equals } from './value';
export { numberFromText, numberText } from './number';
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
export { capabilities } from './capabilities';
export type { Capabilities, CapabilityBuiltin, CapabilityType } from './capabilities';
