import { compilePolicy, RegoEvalError } from '../src';

const policy = (source: string) =>
  compilePolicy([{ path: 'policy.rego', source: `package t\n${source}` }]);

function evalError(f: () => unknown): RegoEvalError {
  try {
    f();
  } catch (e) {
    if (e instanceof RegoEvalError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('Evaluation limits for admin-typed policies', () => {
  it('stops a runaway iteration at the step limit with eval_limit_error', () => {
    const p = policy(
      'n := count([x | some a in numbers.range(1, 300); some b in numbers.range(1, 300); x := a * b])',
    );
    const e = evalError(() => p.evaluate('data.t.n', { limits: { maxSteps: 10_000 } }));
    expect(e.code).toBe('eval_limit_error');
    expect(e.message).toMatch(/step limit/);
  });

  it('stops at the wall-clock deadline with eval_limit_error', () => {
    const p = policy(
      'n := count([x | some a in numbers.range(1, 2000); some b in numbers.range(1, 2000); x := a + b])',
    );
    const started = Date.now();
    const e = evalError(() =>
      p.evaluate('data.t.n', { limits: { maxSteps: 1e12, timeoutMs: 50 } }),
    );
    expect(e.code).toBe('eval_limit_error');
    expect(e.message).toMatch(/time limit/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bounds the depth of rule chains instead of blowing the JS stack', () => {
    const rules =
      Array.from({ length: 3000 }, (_, i) => `r${i} := r${i + 1} + 1`).join('\n') + '\nr3000 := 0';
    const p = policy(rules);
    const e = evalError(() => p.evaluate('data.t.r0'));
    expect(e.code).toBe('eval_limit_error');
  });

  it('evaluates long bodies without exhausting the stack', () => {
    // OPA evaluates a 3,000-expression body; so must we (a body is iterated, not recursed).
    const body = Array.from({ length: 3000 }, (_, i) => `x${i} := ${i}`).join('\n');
    const p = policy(`ok if {\n${body}\nx2999 == 2999\n}`);
    expect(p.evaluate('data.t.ok')).toBe(true);
  });

  it('keeps the default limits for ordinary policies', () => {
    expect(policy('n := count([x | some x in numbers.range(1, 1000)])').evaluate('data.t.n')).toBe(
      1000,
    );
  });
});

describe('Compiling hostile policies', () => {
  it('compiles a 60,000-rule chain without blowing the stack, and bounds its evaluation', () => {
    // OPA compiles it (the dependency graph is walked iteratively); evaluating it must stop at
    // the depth limit with an eval error, never a JS RangeError.
    const rules =
      Array.from({ length: 60000 }, (_, i) => `r${i} := r${i + 1}`).join('\n') + '\nr60000 := 0';
    const p = compilePolicy([{ path: 'chain.rego', source: `package t\n${rules}` }]);
    expect(p.evaluate('data.t.r59990')).toBe(0);
    expect(evalError(() => p.evaluate('data.t.r0')).code).toBe('eval_limit_error');
  });
});
