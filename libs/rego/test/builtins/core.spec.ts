import { defaultBuiltins } from '../../src/builtins';
import { BuiltinError, BuiltinTypeError } from '../../src/builtins/builtin.types';
import { call, callIn, context, set } from './call';

describe('comparison and arithmetic built-ins', () => {
  it('declares the infix operators the parser maps to built-ins', () => {
    const r = defaultBuiltins();
    const infix = Object.fromEntries(
      r
        .names()
        .filter((n) => r.get(n)!.infix)
        .map((n) => [r.get(n)!.infix, n]),
    );
    expect(infix).toMatchObject({
      '==': 'equal',
      '!=': 'neq',
      '<': 'lt',
      '<=': 'lte',
      '>': 'gt',
      '>=': 'gte',
      '+': 'plus',
      '-': 'minus',
      '*': 'mul',
      '/': 'div',
      '%': 'rem',
      '&': 'and',
      '|': 'or',
    });
  });

  it('builds the default registry once and returns the same instance', () => {
    expect(defaultBuiltins()).toBe(defaultBuiltins());
  });

  it('orders values across types as OPA does', () => {
    expect(call('lt', null, false)).toBe(true);
    expect(call('lt', 1, 'a')).toBe(true);
    expect(call('gt', [1], 'z')).toBe(true);
    expect(call('equal', { a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(call('neq', set(1, 2), set(2, 1))).toBe(false);
  });

  it('reports operand type errors with OPA wording', () => {
    expect(() => call('plus', 1, 'a')).toThrow(
      new BuiltinTypeError('plus', 'operand 2 must be number but got string'),
    );
    expect(() => call('minus', set(1), 2)).toThrow('minus: operand 2 must be set but got number');
    expect(() => call('minus', 1, set(2))).toThrow('minus: operand 2 must be number but got set');
  });

  it('fails division and modulo by zero and modulo of floats', () => {
    expect(() => call('div', 1, 0)).toThrow(new BuiltinError('div', 'divide by zero'));
    expect(() => call('rem', 1, 0)).toThrow('rem: modulo by zero');
    expect(() => call('rem', 1.5, 1)).toThrow('rem: modulo on floating-point number');
    expect(call('rem', -7, 3)).toBe(-1);
  });

  it('subtracts sets and rounds half away from zero', () => {
    expect(call('minus', set(1, 2, 3), set(2))).toEqual([1, 3]);
    expect(call('round', -2.5)).toBe(-3);
    expect(call('round', 2.5)).toBe(3);
    expect(call('abs', -4)).toBe(4);
  });

  it('generates ranges up and down and rejects non-positive steps', () => {
    expect(call('numbers.range', 3, 1)).toEqual([3, 2, 1]);
    expect(call('numbers.range_step', 0, 10, 4)).toEqual([0, 4, 8]);
    expect(() => call('numbers.range_step', 0, 10, 0)).toThrow('step must be a positive integer');
    expect(() => call('numbers.range', 1.5, 3)).toThrow(
      'numbers.range: operand 1 must be integer number but got floating-point number',
    );
  });

  it('keeps one rand.intn answer per key within an evaluation', () => {
    const ctx = context();
    const first = callIn(ctx, 'rand.intn', 'k', 1000);
    for (let i = 0; i < 20; i++) expect(callIn(ctx, 'rand.intn', 'k', 1000)).toBe(first);
    expect(call('rand.intn', 'k', 0)).toBe(0);
  });

  it('computes bitwise operations on integers beyond 32 bits', () => {
    expect(call('bits.lsh', 1, 40)).toBe(2 ** 40);
    expect(call('bits.and', 12, 10)).toBe(8);
    expect(call('bits.negate', 0)).toBe(-1);
    expect(() => call('bits.rsh', 1, -1)).toThrow(
      'bits.rsh: operand 2 must be an unsigned integer number but got a negative integer',
    );
  });
});

describe('aggregate, set and array built-ins', () => {
  it('counts strings by code point and collections by size', () => {
    expect(call('count', 'héllo')).toBe(5);
    expect(call('count', { a: 1 })).toBe(1);
    expect(() => call('count', 1)).toThrow(
      'count: operand 1 must be one of {array, object, set, string} but got number',
    );
  });

  it('sums, multiplies and finds extremes', () => {
    expect(call('sum', [1, 2.5])).toBe(3.5);
    expect(call('product', set(2, 3))).toBe(6);
    expect(call('max', [1, 'a', null])).toBe('a');
    expect(call('min', [])).toBeUndefined();
    expect(() => call('sum', [1, 'x'])).toThrow(
      'sum: operand 1 must be array of numbers but got array containing string',
    );
    expect(call('sort', [3, 'a', 1])).toEqual([1, 3, 'a']);
    expect(call('all', [true, 1])).toBe(false);
    expect(call('any', set(false, true))).toBe(true);
  });

  it('intersects and unions sets', () => {
    expect(call('and', set(1, 2), set(2, 3))).toEqual([2]);
    expect(call('or', set(1), set(2))).toEqual([1, 2]);
    expect(call('intersection', set(set(1, 2), set(2, 3)))).toEqual([2]);
    expect(call('union', set(set(1), set(2)))).toEqual([1, 2]);
    expect(call('set_diff', set(1, 2), set(2))).toEqual([1]);
    expect(() => call('union', set(1))).toThrow(
      'union: operand 1 must be set of sets but got set containing number',
    );
  });

  it('concatenates, slices, reverses and flattens arrays', () => {
    expect(call('array.concat', [1], [2])).toEqual([1, 2]);
    expect(call('array.slice', [1, 2, 3, 4], -1, 2)).toEqual([1, 2]);
    expect(call('array.slice', [1, 2, 3], 2, 1)).toEqual([]);
    expect(call('array.reverse', [1, 2, 3])).toEqual([3, 2, 1]);
    expect(call('array.flatten', [[1], 2, [[3]]])).toEqual([1, 2, [3]]);
  });
});

describe('object and type built-ins', () => {
  it('gets values by key or path with a default', () => {
    expect(call('object.get', { a: { b: [1, 2] } }, ['a', 'b', 1], 'd')).toBe(2);
    expect(call('object.get', { a: 1 }, 'x', 'd')).toBe('d');
    expect(call('object.get', { a: 1 }, [], 'd')).toEqual({ a: 1 });
  });

  it('removes, filters and merges objects', () => {
    expect(call('object.remove', { a: 1, b: 2 }, ['a'])).toEqual({ b: 2 });
    expect(call('object.filter', { a: 1, b: 2 }, set('a'))).toEqual({ a: 1 });
    expect(call('object.union', { a: { b: 1 }, c: 1 }, { a: { d: 2 } })).toEqual({
      a: { b: 1, d: 2 },
      c: 1,
    });
    expect(call('object.union_n', [{ a: { b: 2 } }, { a: 4 }, { a: { c: 3 } }])).toEqual({
      a: { c: 3 },
    });
    expect(() => call('object.remove', { a: 1 }, 'a')).toThrow(
      'object.remove: operand 2 must be one of {object, set, array} but got string',
    );
  });

  it('checks subsets of objects, arrays and sets', () => {
    expect(call('object.subset', { a: [1, 2, 3], b: 1 }, { a: [2, 3] })).toBe(true);
    expect(call('object.subset', [1, 2, 3], [1, 3])).toBe(false);
    expect(call('object.subset', [1, 2, 3], set(3, 1))).toBe(true);
  });

  it('filters, removes and patches JSON documents by path', () => {
    const doc = { a: { b: 1, c: 2 }, d: [1, 2] };
    expect(call('json.filter', doc, ['a/b', 'd/1'])).toEqual({ a: { b: 1 }, d: [2] });
    expect(call('json.remove', doc, [['a', 'b'], 'd/0'])).toEqual({ a: { c: 2 }, d: [2] });
    const patch = [
      { op: 'add', path: '/d/-', value: 3 },
      { op: 'move', from: '/a/b', path: '/e' },
      { op: 'test', path: '/e', value: 1 },
    ];
    expect(call('json.patch', doc, patch)).toEqual({ a: { c: 2 }, d: [1, 2, 3], e: 1 });
    expect(call('json.patch', doc, [{ op: 'remove', path: '/zz' }])).toBeUndefined();
  });

  it('names types', () => {
    expect(call('type_name', set())).toBe('set');
    expect(call('is_number', '1')).toBe(false);
    expect(call('is_null', null)).toBe(true);
  });
});
