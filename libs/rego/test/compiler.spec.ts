import { checkPolicy, compilePolicy, RegoCompileError } from '../src';

const mod = (source: string, path = 'policy.rego'): { path: string; source: string } => ({
  path,
  source,
});
const errorsOf = (source: string): { code: string; message: string; row?: number }[] =>
  checkPolicy([mod(source)]).map((e) => ({
    code: e.code,
    message: e.message,
    row: e.location?.row,
  }));

describe('Rego compiler', () => {
  it('accepts a valid policy', () => {
    expect(errorsOf('package p\nallow if input.user == "alice"')).toEqual([]);
  });

  it('reports unsafe variables with their line as OPA does', () => {
    expect(errorsOf('package p\n\nallow if {\n  x > 1\n}')).toEqual([
      { code: 'rego_unsafe_var_error', message: 'var x is unsafe', row: 4 },
    ]);
    expect(errorsOf('package p\np[x] := 1 if input.ok')).toEqual([
      { code: 'rego_unsafe_var_error', message: 'var x is unsafe', row: 2 },
    ]);
    expect(errorsOf('package p\nq := [y | y > 1]')).toEqual([
      { code: 'rego_unsafe_var_error', message: 'var y is unsafe', row: 2 },
    ]);
  });

  it('reorders body expressions so that variables are bound before use', () => {
    const policy = compilePolicy([mod('package p\nr := y if {\n  y > 1\n  y := input.n * 2\n}')]);
    expect(policy.evaluate('data.p.r', { input: { n: 3 } })).toBe(6);
  });

  it('reports recursion between rules', () => {
    const errs = errorsOf('package p\na if b\nb if a');
    expect(errs.length).toBe(1);
    expect(errs[0].code).toBe('rego_recursion_error');
    expect(errs[0].message).toMatch(/rule data\.p\.(a|b) is recursive: /);
  });

  it('reports undefined functions and arity mismatches as type errors', () => {
    expect(errorsOf('package p\nx := nosuch(1)')).toEqual([
      { code: 'rego_type_error', message: 'undefined function nosuch', row: 2 },
    ]);
    const arity = errorsOf('package p\nx := count(1, 2, 3)');
    expect(arity[0].code).toBe('rego_type_error');
    expect(arity[0].message).toMatch(/count: arity mismatch/);
    expect(errorsOf('package p\nf(a, b) := a + b\nx := f(1)')[0].message).toMatch(/arity mismatch/);
  });

  it('reports constant built-in arguments of the wrong type', () => {
    expect(errorsOf('package p\nx := "a" + 1')).toEqual([
      {
        code: 'rego_type_error',
        message: 'plus: invalid argument(s): operand 1 must be number but got string',
        row: 2,
      },
    ]);
    expect(errorsOf('package p\nx := {1, 2} - {1}\ny := count("abc")')).toEqual([]);
  });

  it('reports rules of different kinds at one path', () => {
    expect(errorsOf('package p\nq := 1\nq contains 2')[0]).toMatchObject({
      code: 'rego_type_error',
      message: 'conflicting rules data.p.q found',
    });
  });

  it('collects the errors of every module in one RegoCompileError message', () => {
    try {
      compilePolicy([mod('package a\nx if y', 'a.rego'), mod('package b\nz := ', 'b.rego')]);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(RegoCompileError);
      expect((e as RegoCompileError).message).toMatch(
        /^1 error occurred: b\.rego:2: rego_parse_error: /,
      );
    }
    try {
      compilePolicy([mod('package a\nx if y\nz if w', 'a.rego')]);
    } catch (e) {
      expect((e as RegoCompileError).errors.length).toBe(2);
      expect((e as RegoCompileError).message).toMatch(
        /^2 errors occurred:\na\.rego:2: rego_unsafe_var_error: var y is unsafe/,
      );
    }
  });

  it('resolves imports and rules of the same package across modules', () => {
    const policy = compilePolicy([
      mod('package lib.util\ndouble(x) := x * 2\nlimit := 10'),
      mod(
        'package app\nimport data.lib.util\nimport data.lib.util.limit as max\nv := util.double(max)',
      ),
    ]);
    expect(policy.evaluate('data.app.v')).toBe(20);
    expect(policy.packages).toEqual(['lib.util', 'app']);
  });
});

describe('Rego v1 strictness', () => {
  it('rejects a second := of the same variable in one body', () => {
    expect(errorsOf('package p\nx if {\n  a := 1\n  a := 2\n}')).toEqual([
      { code: 'rego_compile_error', message: 'var a assigned above', row: 4 },
    ]);
  });

  it('rejects v0 rule bodies without if', () => {
    const errs = errorsOf('package p\nallow { true }');
    expect(errs[0]).toMatchObject({
      code: 'rego_parse_error',
      message: '`if` keyword is required before rule body',
    });
  });
});
