import { projectRoot } from '@nanopod/common';
import { loadRegoDir, runPolicyTestsInDir } from '@nanopod/rego';
import * as path from 'node:path';

/** `opa test policies/`: every test_ rule of every shipped policy, each as its own jest test. */
const dir = path.join(projectRoot(), 'policies');
const results = runPolicyTestsInDir(dir);

describe('shipped policies under policies/', () => {
  it('have tests for every policy', () => {
    const files = loadRegoDir(dir).map((m) => path.basename(m.path));
    const policies = files.filter((f) => !f.endsWith('_test.rego'));
    expect(policies.sort()).toEqual(['gateway.rego', 'placement.rego', 'subsidy.rego']);
    for (const p of policies) expect(files).toContain(p.replace(/\.rego$/, '_test.rego'));
    expect(results.length).toBeGreaterThan(30);
  });

  it.each(results.map((r) => [`${r.package}.${r.name}`, r] as const))('%s passes', (_name, r) => {
    expect({ passed: r.passed, error: r.error }).toEqual({ passed: true, error: undefined });
  });
});
