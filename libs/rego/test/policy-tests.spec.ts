import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compilePolicy, loadRegoDir, runPolicyTestsInDir } from '../src';

describe('opa test equivalent', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rego-tests-'));
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(
      path.join(dir, 'authz.rego'),
      'package authz\n\ndefault allow := false\n\nallow if input.role == "admin"\n',
    );
    fs.writeFileSync(
      path.join(dir, 'nested', 'authz_test.rego'),
      'package authz_test\n\nimport data.authz\n\ntest_admin_allowed if authz.allow with input as {"role": "admin"}\n\ntest_dev_denied if not authz.allow with input as {"role": "dev"}\n\ntest_wrong if authz.allow with input as {"role": "dev"}\n',
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads every .rego file of a directory recursively', () => {
    expect(loadRegoDir(dir).map((m) => path.relative(dir, m.path))).toEqual([
      'authz.rego',
      path.join('nested', 'authz_test.rego'),
    ]);
  });

  it('runs the test_ rules and reports passes and failures', () => {
    const results = runPolicyTestsInDir(dir);
    expect(results.map((r) => [r.package, r.name, r.passed])).toEqual([
      ['authz_test', 'test_admin_allowed', true],
      ['authz_test', 'test_dev_denied', true],
      ['authz_test', 'test_wrong', false],
    ]);
    // Never the bare word "undefined": what went wrong, and where.
    expect(results[2].error).toMatch(
      /^the test's body was not satisfied: an expression in it was false or undefined \(.*authz_test\.rego:\d+\)$/,
    );
    expect(results[0].location?.row).toBe(5);
  });

  it('filters tests by name', () => {
    const policy = compilePolicy(loadRegoDir(dir));
    expect(policy.runTests({ filter: /dev_denied/ }).map((r) => r.name)).toEqual([
      'test_dev_denied',
    ]);
  });

  it('reports compile errors as failed results', () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'rego-bad-'));
    fs.writeFileSync(path.join(bad, 'x.rego'), 'package x\ntest_a if y\n');
    const results = runPolicyTestsInDir(bad);
    fs.rmSync(bad, { recursive: true, force: true });
    expect(results).toHaveLength(1);
    expect(results[0].passed).toBe(false);
    expect(results[0].error).toMatch(/rego_unsafe_var_error: var y is unsafe/);
  });

  it('passes the repository policies tests', () => {
    const policiesDir = path.resolve(__dirname, '../../../policies');
    if (!fs.existsSync(policiesDir)) {
      console.log('policies/ not found: skipped');
      return;
    }
    const failed = runPolicyTestsInDir(policiesDir).filter((r) => !r.passed);
    expect(failed).toEqual([]);
  });
});
