/**
 * Arithmetic and number built-ins (OPA v1/topdown/arithmetic.go, numbers.go).
 * Numbers are IEEE doubles (see value.ts): integers are exact up to 2^53.
 */
import { RegoSet, Value } from '../value';
import type { BuiltinRegistry, TypeDecl } from './builtin.types';
import { fail, int, num, str, typeError } from './args';

const NUM_OR_SET: TypeDecl = { anyOf: ['number', 'set'] };

function binaryNum(name: string, fn: (x: number, y: number) => number) {
  return (a: Value[]): Value => fn(num(name, a, 0), num(name, a, 1));
}

/** Go's math.Round: half away from zero. */
export function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'plus',
    infix: '+',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('plus', (x, y) => x + y),
  });
  registry.register({
    name: 'minus',
    infix: '-',
    args: [NUM_OR_SET, NUM_OR_SET],
    result: NUM_OR_SET,
    impl: (a) => {
      const [x, y] = a;
      if (typeof x === 'number') {
        if (typeof y === 'number') return x - y;
        throw typeError('minus', 2, 'number', y);
      }
      if (x instanceof RegoSet) {
        if (!(y instanceof RegoSet)) throw typeError('minus', 2, 'set', y);
        const out = new RegoSet();
        for (const v of x.values()) if (!y.has(v)) out.add(v);
        return out;
      }
      throw typeError('minus', 1, 'one of {number, set}', x);
    },
  });
  registry.register({
    name: 'mul',
    infix: '*',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('mul', (x, y) => x * y),
  });
  registry.register({
    name: 'div',
    infix: '/',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('div', (x, y) => {
      if (y === 0) throw fail('div', 'divide by zero');
      return x / y;
    }),
  });
  registry.register({
    name: 'rem',
    infix: '%',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('rem', (x, y) => {
      if (!Number.isInteger(x) || !Number.isInteger(y))
        throw fail('rem', 'modulo on floating-point number');
      if (y === 0) throw fail('rem', 'modulo by zero');
      const r = x % y;
      return r === 0 ? 0 : r;
    }),
  });
  const unary: Array<[string, (x: number) => number]> = [
    ['abs', Math.abs],
    ['round', goRound],
    ['ceil', Math.ceil],
    ['floor', Math.floor],
  ];
  for (const [name, fn] of unary) {
    registry.register({
      name,
      args: ['number'],
      result: 'number',
      impl: (a) => {
        const r = fn(num(name, a, 0));
        return r === 0 ? 0 : r;
      },
    });
  }
  registry.register({
    name: 'numbers.range',
    args: ['number', 'number'],
    result: 'array',
    impl: (a) => range('numbers.range', int('numbers.range', a, 0), int('numbers.range', a, 1), 1),
  });
  registry.register({
    name: 'numbers.range_step',
    args: ['number', 'number', 'number'],
    result: 'array',
    impl: (a) => {
      const name = 'numbers.range_step';
      const x = int(name, a, 0);
      const y = int(name, a, 1);
      const step = int(name, a, 2);
      if (step <= 0) throw fail(name, 'step must be a positive integer');
      return range(name, x, y, step);
    },
  });
  registry.register({
    name: 'rand.intn',
    args: ['string', 'number'],
    result: 'number',
    nondeterministic: true,
    impl: (a, ctx) => {
      const s = str('rand.intn', a, 0);
      let n = int('rand.intn', a, 1);
      if (n === 0) return 0;
      if (n < 0) n = -n;
      const key = `rand.intn:${JSON.stringify(s)}:${n}`;
      const hit = ctx.cache.get(key);
      if (hit !== undefined) return hit;
      const r = Math.floor(Math.random() * n);
      ctx.cache.set(key, r);
      return r;
    },
  });
}

const MAX_RANGE = 1e7;

function range(name: string, x: number, y: number, step: number): Value[] {
  if (Math.abs(y - x) / step > MAX_RANGE) throw fail(name, 'range too large');
  const out: Value[] = [];
  if (x <= y) for (let i = x; i <= y; i += step) out.push(i);
  else for (let i = x; i >= y; i -= step) out.push(i);
  return out;
}
