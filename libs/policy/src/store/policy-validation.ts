import { RegoModuleSource } from '@nanopod/rego';
import { PolicyInvalidError, PolicyProblem } from '../policy.errors';
import { checkModules, packageOf, sourcePath, testsPath } from '../runtime/policy-compiler';

export interface Candidate {
  name: string;
  /** The package the policy is registered with; a version must keep it. */
  package: string;
  source: string;
  tests: string | null;
}

function packageProblem(c: Candidate): PolicyProblem | null {
  const declared = packageOf(c.source);
  if (declared === c.package) return null;
  const lines = c.source.split('\n');
  const row = lines.findIndex((l) => /^\s*package\b/.test(l));
  return {
    code: 'policy_package_mismatch',
    message: declared
      ? `policy ${c.name} must declare package ${c.package}, not ${declared}`
      : `policy ${c.name} must declare package ${c.package}`,
    file: sourcePath(c.name),
    row: row >= 0 ? row + 1 : 1,
    col: 1,
  };
}

/** The modules a candidate version compiles as: its source and its tests. */
export function candidateModules(c: Candidate): RegoModuleSource[] {
  const modules = [{ path: sourcePath(c.name), source: c.source }];
  if (c.tests !== null && c.tests.trim() !== '') {
    modules.push({ path: testsPath(c.name), source: c.tests });
  }
  return modules;
}

/**
 * Every problem of a candidate version compiled with the other policies' active versions
 * (`context`): parse and compile errors with file:row:col, and a changed package.
 */
export function problemsOf(c: Candidate, context: RegoModuleSource[]): PolicyProblem[] {
  const pkg = packageProblem(c);
  const compiled = checkModules([...context, ...candidateModules(c)]);
  return pkg ? [pkg, ...compiled] : compiled;
}

/** Throws PolicyInvalidError (422 policy.invalid) when there is any problem. */
export function assertValid(c: Candidate, context: RegoModuleSource[]): void {
  const problems = problemsOf(c, context);
  if (problems.length === 0) return;
  const first = problems[0];
  const where = first.file ? `${first.file}:${first.row ?? 0}:${first.col ?? 0}: ` : '';
  throw new PolicyInvalidError(
    `${problems.length === 1 ? '1 error' : `${problems.length} errors`}: ${where}${first.message}`,
    problems,
  );
}
