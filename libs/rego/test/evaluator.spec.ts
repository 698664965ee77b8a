import { compilePolicy, RegoEvalError } from '../src';

const policy = (source: string) =>
  compilePolicy([{ path: 'policy.rego', source: `package t\n${source}` }]);
const value = (source: string, rule: string, input?: unknown): unknown =>
  policy(source).evaluate(`data.t.${rule}`, { input });

describe('Rego evaluator', () => {
  it('evaluates complete rules with defaults and undefined', () => {
    const src = 'default allow := false\nallow if input.role == "admin"\nname := input.name';
    expect(value(src, 'allow', { role: 'admin' })).toBe(true);
    expect(value(src, 'allow', { role: 'dev' })).toBe(false);
    expect(value(src, 'name', {})).toBeUndefined();
  });

  it('builds partial sets and objects from every solution', () => {
    const src =
      'names contains u.name if { some u in input.users; u.active }\nby_id[u.id] := u.name if some u in input.users';
    const input = {
      users: [
        { id: 'a', name: 'Ann', active: true },
        { id: 'b', name: 'Bob', active: false },
      ],
    };
    expect(value(src, 'names', input)).toEqual(['Ann']);
    expect(value(src, 'by_id', input)).toEqual({ a: 'Ann', b: 'Bob' });
    expect(value(src, 'names', { users: [] })).toEqual([]);
  });

  it('iterates arrays, objects and sets through refs with variables', () => {
    const src =
      'keys contains k if input.o[k]\nidx contains i if input.a[i] > 1\nmembers contains x if { s := {1, 2}; s[x] }';
    expect(value(src, 'keys', { o: { x: 1, y: 2 } })).toEqual(['x', 'y']);
    expect(value(src, 'idx', { a: [1, 2, 3] })).toEqual([1, 2]);
    expect(value(src, 'members', {})).toEqual([1, 2]);
  });

  it('unifies composite patterns in both directions', () => {
    expect(policy('p := [a, b] if [a, 2] = [1, b]').evaluate('data.t.p')).toEqual([1, 2]);
    expect(policy('p := x if {"k": x} = {"k": [1]}').evaluate('data.t.p')).toEqual([1]);
  });

  it('supports functions with several definitions, else chains and defaults', () => {
    const src = [
      'default grade(_) := "none"',
      'grade(s) := "high" if s >= 80 else := "mid" if s >= 50',
      'kind(x) := "number" if is_number(x)',
      'kind(x) := "string" if is_string(x)',
      'r := [grade(90), grade(60), grade(10), kind(1), kind("a")]',
    ].join('\n');
    expect(value(src, 'r')).toEqual(['high', 'mid', 'none', 'number', 'string']);
  });

  it('evaluates every, not and comprehensions', () => {
    const src = [
      'all_pos if every x in input.xs { x > 0 }',
      'none_neg if not any_neg',
      'any_neg if {\n some x in input.xs\n x < 0\n}',
      'doubled := [y | some x in input.xs; y := x * 2]',
      'lookup := {k: v | some k, v in input.o; v > 1}',
      'uniq := {x | some x in input.xs}',
    ].join('\n');
    const p = policy(src);
    expect(p.evaluate('data.t.all_pos', { input: { xs: [1, 2] } })).toBe(true);
    expect(p.evaluate('data.t.all_pos', { input: { xs: [1, -2] } })).toBeUndefined();
    expect(p.evaluate('data.t.all_pos', { input: { xs: [] } })).toBe(true);
    expect(p.evaluate('data.t.none_neg', { input: { xs: [1, -2] } })).toBeUndefined();
    expect(p.evaluate('data.t.doubled', { input: { xs: [1, 2] } })).toEqual([2, 4]);
    expect(p.evaluate('data.t.lookup', { input: { o: { a: 1, b: 2 } } })).toEqual({ b: 2 });
    expect(p.evaluate('data.t.uniq', { input: { xs: [2, 1, 2] } })).toEqual([1, 2]);
  });

  it('replaces input, data and functions with `with`', () => {
    const src = [
      'a := input.x',
      'b := v if v := a with input.x as 7',
      'c := v if v := data.t.limit with data.t.limit as 3',
      'limit := 1',
      'd := v if v := count([1, 2]) with count as 99',
      'f(x) := x',
      'mock(x) := 42',
      'e := v if v := f(1) with f as mock',
    ].join('\n');
    const p = policy(src);
    expect(p.evaluate('data.t.b', { input: { x: 1 } })).toBe(7);
    expect(p.evaluate('data.t.c')).toBe(3);
    expect(p.evaluate('data.t.limit')).toBe(1);
    expect(p.evaluate('data.t.d')).toBe(99);
    expect(p.evaluate('data.t.e')).toBe(42);
  });

  it('merges base data and rules under data', () => {
    const p = policy('q := 1');
    expect(p.evaluate('data', { data: { base: { x: 1 } } })).toEqual({
      base: { x: 1 },
      t: { q: 1 },
    });
    expect(p.query('data.base.x = v', { data: { base: { x: 1 } } })).toEqual([{ v: 1 }]);
  });

  it('answers queries with one row per solution', () => {
    const p = policy('xs := [1, 2, 3]');
    expect(p.query('some i; x := data.t.xs[i]; x > 1')).toEqual([
      { i: 1, x: 2 },
      { i: 2, x: 3 },
    ]);
    expect(p.query('data.t.xs[_] > 5')).toEqual([]);
  });

  it('raises eval_conflict_error for complete rules with several values', () => {
    const p = policy('p := 1 if input.a\np := 2 if input.b');
    expect(p.evaluate('data.t.p', { input: { a: true } })).toBe(1);
    try {
      p.evaluate('data.t.p', { input: { a: true, b: true } });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(RegoEvalError);
      expect((e as RegoEvalError).code).toBe('eval_conflict_error');
      expect((e as RegoEvalError).message).toContain(
        'complete rules must not produce multiple outputs',
      );
    }
  });

  it('makes failing built-ins undefined unless strict built-in errors are on', () => {
    const p = policy('x := 1 / input.d');
    expect(p.evaluate('data.t.x', { input: { d: 0 } })).toBeUndefined();
    expect(() => p.evaluate('data.t.x', { input: { d: 0 }, strictBuiltinErrors: true })).toThrow(
      /div: divide by zero/,
    );
  });

  it('sends print output to the sink and string templates render values', () => {
    const lines: string[] = [];
    const p = policy(
      'p if { print("n =", input.n, input.missing) }\nmsg := $"user {input.name} has {count(input.roles)} roles"',
    );
    expect(p.evaluate('data.t.p', { input: { n: 2 }, print: (l) => lines.push(l) })).toBe(true);
    expect(lines).toEqual(['n = 2 <undefined>']);
    expect(p.evaluate('data.t.msg', { input: { name: 'ann', roles: ['a', 'b'] } })).toBe(
      'user ann has 2 roles',
    );
  });

  it('walks documents as a relation', () => {
    expect(policy('paths := [p | walk({"a": [1]}, [p, _])]').evaluate('data.t.paths')).toEqual([
      [],
      ['a'],
      ['a', 0],
    ]);
  });

  it('iterates objects and sets in sorted order as OPA does', () => {
    const p = policy('ks := [k | some k, _ in input.o]\nxs := [x | some x in {"z", "a", "m"}]');
    expect(p.evaluate('data.t.ks', { input: { o: { z: 1, a: 2, m: 3 } } })).toEqual([
      'a',
      'm',
      'z',
    ]);
    expect(p.evaluate('data.t.xs')).toEqual(['a', 'm', 'z']);
  });

  it('exposes METADATA annotations through rego.metadata.rule and chain', () => {
    const src = [
      '# METADATA',
      '# title: Allow admins',
      '# authors:',
      '# - Ann <ann@example.com>',
      'allow := rego.metadata.rule()',
      'chain := rego.metadata.chain()',
    ].join('\n');
    const p = compilePolicy([
      { path: 'm.rego', source: `# METADATA\n# description: Test package\npackage t\n${src}` },
    ]);
    expect(p.evaluate('data.t.allow')).toEqual({
      title: 'Allow admins',
      scope: 'rule',
      authors: [{ name: 'Ann', email: 'ann@example.com' }],
    });
    expect(p.evaluate('data.t.chain')).toEqual([
      { path: ['t', 'chain'] },
      { path: ['t'], annotations: { description: 'Test package', scope: 'package' } },
    ]);
  });

  it('renders template strings with `with` inside an expression', () => {
    const p = policy('a := input.a\nmsg := $"a={a with input as {"a": 42}}"');
    expect(p.evaluate('data.t.msg', { input: { a: 1 } })).toBe('a=42');
  });

  it('memoizes rules per evaluation but not across `with` overrides', () => {
    const p = policy(
      'a := input.x\nr := [a, b, a] if b := a with input.x as 2\ns := [v | some i in [1, 2, 3]; v := a with input.x as i]',
    );
    expect(p.evaluate('data.t.r', { input: { x: 1 } })).toEqual([1, 2, 1]);
    expect(p.evaluate('data.t.s', { input: { x: 1 } })).toEqual([1, 2, 3]);
  });
});
