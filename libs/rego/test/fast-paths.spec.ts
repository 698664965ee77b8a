import { compilePolicy, RegoEvalError } from '../src';

const policy = (source: string) =>
  compilePolicy([{ path: 'policy.rego', source: `package t\n${source}` }]);
const value = (source: string, rule: string, input?: unknown): unknown =>
  policy(source).evaluate(`data.t.${rule}`, { input });

function evalError(f: () => unknown): RegoEvalError {
  try {
    f();
  } catch (e) {
    if (e instanceof RegoEvalError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('Evaluator fast paths give the same results as the general path', () => {
  it('reads input converted on demand exactly like a fully converted input', () => {
    const input = { b: { y: 2, x: [1, { z: null }] }, a: 'text', n: null, u: undefined };
    expect(value('v := input', 'v', input)).toEqual({
      a: 'text',
      b: { x: [1, { z: null }], y: 2 },
      n: null,
      u: null,
    });
    expect(value('v := count(input)', 'v', input)).toBe(4);
    expect(value('v := [k | some k, _ in input]', 'v', input)).toEqual(['a', 'b', 'n', 'u']);
    expect(value('v := input.b == {"x": [1, {"z": null}], "y": 2}', 'v', input)).toBe(true);
    expect(value('v := object.keys(input.b)', 'v', input)).toEqual(['x', 'y']);
    expect(value('v := object.union(input.b, {"w": 1})', 'v', input)).toEqual({
      w: 1,
      x: [1, { z: null }],
      y: 2,
    });
  });

  it('does not see inherited properties of input objects', () => {
    expect(value('v := input.toString', 'v', {})).toBeUndefined();
    expect(value('v := input.constructor', 'v', { a: 1 })).toBeUndefined();
    expect(value('v if input.hasOwnProperty', 'v', {})).toBeUndefined();
    expect(value('v := input.__proto__', 'v', JSON.parse('{"__proto__": 5}'))).toBe(5);
  });

  it('gives every evaluation its own input even for the same ref', () => {
    const p = policy('g := input.request.gpus * 2');
    expect(p.evaluate('data.t.g', { input: { request: { gpus: 1 } } })).toBe(2);
    expect(p.evaluate('data.t.g', { input: { request: { gpus: 4 } } })).toBe(8);
    expect(p.evaluate('data.t.g', { input: { request: {} } })).toBeUndefined();
    expect(p.evaluate('data.t.g', {})).toBeUndefined();
  });

  it('compares and computes on primitives as the built-ins do', () => {
    const src = [
      'a := 1 < 2',
      'b := "a" < "b"',
      'c := 1 < "a"',
      'd := [1] == [1]',
      'e := 1 == 1.0',
      'f := 2 + 3 * 4 - 1',
      'g := {1, 2} - {2}',
      'h := null < false',
      'i := "x" != 1',
    ].join('\n');
    const p = policy(src);
    const at = (r: string) => p.evaluate(`data.t.${r}`);
    expect([at('a'), at('b'), at('c'), at('d'), at('e')]).toEqual([true, true, true, true, true]);
    expect(at('f')).toBe(13);
    expect(at('g')).toEqual([1]);
    expect([at('h'), at('i')]).toEqual([true, true]);
    expect(value('x := 1 + input.s', 'x', { s: 'a' })).toBeUndefined();
    expect(value('x := input.s < 2', 'x', { s: 'a' })).toBe(false);
  });

  it('iterates with some-in over arrays, objects and sets in sorted order', () => {
    const src = [
      'arr := [x | some x in input.a]',
      'obj := [[k, v] | some k, v in input.o]',
      's := {1, 3, 2}',
      'set := [x | some x in s]',
      'idx := [i | some i, x in input.a; x > 1]',
      'none := [x | some x in input.missing]',
    ].join('\n');
    const input = { a: [3, 1, 2], o: { b: 2, a: 1 } };
    const p = policy(src);
    expect(p.evaluate('data.t.arr', { input })).toEqual([3, 1, 2]);
    expect(p.evaluate('data.t.obj', { input })).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(p.evaluate('data.t.set', { input })).toEqual([1, 2, 3]);
    expect(p.evaluate('data.t.idx', { input })).toEqual([0, 2]);
    expect(p.evaluate('data.t.none', { input })).toEqual([]);
  });

  it('calls functions with constant and repeated parameters', () => {
    const src = [
      'f(1) := "one"',
      'f(x) := "other" if x != 1',
      'same(x, x) := true',
      'a := f(1)',
      'b := f(2)',
      'c := same(1, 1)',
      'd := same(1, 2)',
    ].join('\n');
    const p = policy(src);
    expect(p.evaluate('data.t.a')).toBe('one');
    expect(p.evaluate('data.t.b')).toBe('other');
    expect(p.evaluate('data.t.c')).toBe(true);
    expect(p.evaluate('data.t.d')).toBeUndefined();
  });

  it('sorts, counts and tests types like the built-ins', () => {
    const src = [
      's := sort(input.a)',
      'ss := sort({"b", 1, "a", [1]})',
      'c := [count(input.a), count("héllo"), count({"k": 1}), count({1, 2})]',
      't := [is_number(1), is_string(1), is_array(input.a), is_object(input), is_set({1}), is_null(null)]',
      'bad := sort(input.n)',
    ].join('\n');
    const input = { a: [3, 'x', 1, null, [0], 2] };
    const p = policy(src);
    expect(p.evaluate('data.t.s', { input })).toEqual([null, 1, 2, 3, 'x', [0]]);
    expect(p.evaluate('data.t.ss', { input })).toEqual([1, 'a', 'b', [1]]);
    expect(p.evaluate('data.t.c', { input })).toEqual([6, 5, 1, 2]);
    expect(p.evaluate('data.t.t', { input })).toEqual([true, false, true, true, true, true]);
    expect(p.evaluate('data.t.bad', { input: { n: 1 } })).toBeUndefined();
  });

  it('evaluates membership in negations', () => {
    const src = 'allowed := {"a", "b"}\nok if not input.x in allowed\nin3 if 1, "b" in ["a", "b"]';
    expect(value(src, 'ok', { x: 'c' })).toBe(true);
    expect(value(src, 'ok', { x: 'a' })).toBeUndefined();
    expect(value(src, 'in3', {})).toBe(true);
  });

  it('still reports conflicting complete rules', () => {
    const e = evalError(() => value('x := 1 if input.a\nx := 2 if input.b', 'x', { a: 1, b: 1 }));
    expect(e.code).toBe('eval_conflict_error');
  });
});

describe('Built-in results count against the step budget', () => {
  it('stops numbers.range(1, 1e9) at the step limit before building it', () => {
    const p = policy('n := count(numbers.range(1, 1000000000))');
    const started = Date.now();
    const e = evalError(() => p.evaluate('data.t.n'));
    expect(e.code).toBe('eval_limit_error');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('charges a range against the budget of the evaluation', () => {
    const p = policy('n := count(numbers.range(1, 5000))');
    expect(p.evaluate('data.t.n')).toBe(5000);
    const e = evalError(() => p.evaluate('data.t.n', { limits: { maxSteps: 1000 } }));
    expect(e.code).toBe('eval_limit_error');
  });

  it('charges large built results such as concatenations', () => {
    const p = policy(
      'big := [x | some x in numbers.range(1, 600)]\nn := count(array.concat(big, big))',
    );
    expect(p.evaluate('data.t.n')).toBe(1200);
    const e = evalError(() => p.evaluate('data.t.n', { limits: { maxSteps: 1500 } }));
    expect(e.code).toBe('eval_limit_error');
  });
});
