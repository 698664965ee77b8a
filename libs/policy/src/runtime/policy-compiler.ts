import {
  checkPolicy,
  compilePolicy,
  CompiledPolicy,
  RegoCompileError,
  RegoErrorInfo,
  RegoModuleSource,
} from '@nanopod/rego';
import { PolicyProblem } from '../policy.errors';

/** The module path a policy's source and tests compile under; errors name it. */
export function sourcePath(name: string): string {
  return `${name}.rego`;
}

export function testsPath(name: string): string {
  return `${name}_test.rego`;
}

/** `package a.b.c` of a source, or null when there is none. */
export function packageOf(source: string): string | null {
  const m = /^\s*package\s+([A-Za-z_][\w.]*)/m.exec(source);
  return m ? m[1] : null;
}

export function toProblem(e: RegoErrorInfo): PolicyProblem {
  return {
    code: e.code,
    message: e.message,
    file: e.location?.file ?? null,
    row: e.location?.row ?? null,
    col: e.location?.col ?? null,
  };
}

/** Every problem of a set of modules ([] when it compiles). Never throws for bad Rego. */
export function checkModules(modules: RegoModuleSource[]): PolicyProblem[] {
  try {
    return checkPolicy(modules).map(toProblem);
  } catch (err) {
    if (err instanceof RegoCompileError) return err.errors.map(toProblem);
    // An engine crash on some input is still a problem with that input, never a 500.
    return [
      {
        code: 'rego_compile_error',
        message: (err as Error).message,
        file: null,
        row: null,
        col: null,
      },
    ];
  }
}

/**
 * Compiles or throws RegoCompileError (engine crashes are wrapped as one). `allowNet`: the hosts
 * `http.send` and `net.lookup_ip_addr` may reach (NANOPOD_POLICY_ALLOW_NET); none by default.
 */
export function compileModules(
  modules: RegoModuleSource[],
  allowNet: readonly string[] = [],
): CompiledPolicy {
  try {
    return compilePolicy(modules, { network: { allowHosts: allowNet } });
  } catch (err) {
    if (err instanceof RegoCompileError) throw err;
    throw new RegoCompileError([{ code: 'rego_compile_error', message: (err as Error).message }]);
  }
}
