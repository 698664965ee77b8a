/**
 * Arithmetic and number built-ins (OPA v1/topdown/arithmetic.go, numbers.go), exact as OPA's
 * (number.ts: integers of any size, big.Float for the rest).
 */
import { BigNum, RegoSet, Value } from '../value';
import * as N from '../number';
import type { BuiltinRegistry, TypeDecl } from './builtin.types';
import { exactNum, fail, int, str, typeError } from './args';

const NUM_OR_SET: TypeDecl = { anyOf: ['number', 'set'] };

function binaryNum(name: string, fn: (x: N.Num, y: N.Num) => N.Num) {
  return (a: Value[]): Value => {
    const x = exactNum(name, a, 0);
    const y = exactNum(name, a, 1);
    try {
      return fn(x, y);
    } catch (e) {
      if (e instanceof N.ArithError) throw fail(name, e.message);
      throw e;
    }
  };
}

function isNumber(v: Value): v is N.Num {
  return typeof v === 'number' || v instanceof BigNum;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'plus',
    infix: '+',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('plus', N.plus),
  });
  registry.register({
    name: 'minus',
    infix: '-',
    args: [NUM_OR_SET, NUM_OR_SET],
    result: NUM_OR_SET,
    impl: (a) => {
      const [x, y] = a;
      if (isNumber(x)) {
        if (isNumber(y)) return N.minus(x, y);
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
    impl: binaryNum('mul', N.mul),
  });
  registry.register({
    name: 'div',
    infix: '/',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('div', N.div),
  });
  registry.register({
    name: 'rem',
    infix: '%',
    args: ['number', 'number'],
    result: 'number',
    impl: binaryNum('rem', N.rem),
  });
  const unary: Array<[string, (x: N.Num) => N.Num]> = [
    ['abs', N.abs],
    ['round', (x) => N.roundTo(x, 'round')],
    ['ceil', (x) => N.roundTo(x, 'ceil')],
    ['floor', (x) => N.roundTo(x, 'floor')],
  ];
  for (const [name, fn] of unary) {
    registry.register({
      name,
      args: ['number'],
      result: 'number',
      impl: (a) => fn(exactNum(name, a, 0)),
    });
  }
  registry.register({
    name: 'numbers.range',
    args: ['number', 'number'],
    result: 'array',
    impl: (a) => {
      int('numbers.range', a, 0);
      int('numbers.range', a, 1);
      return range('numbers.range', a[0] as N.Num, a[1] as N.Num, 1);
    },
  });
  registry.register({
    name: 'numbers.range_step',
    args: ['number', 'number', 'number'],
    result: 'array',
    impl: (a) => {
      const name = 'numbers.range_step';
      int(name, a, 0);
      int(name, a, 1);
      const step = int(name, a, 2);
      if (step <= 0) throw fail(name, 'step must be a positive integer');
      return range(name, a[0] as N.Num, a[1] as N.Num, step);
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

function range(name: string, a: N.Num, b: N.Num, step: number): Value[] {
  const out: Value[] = [];
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(b - a) / step > MAX_RANGE) throw fail(name, 'range too large');
    if (a <= b) for (let i = a; i <= b; i += step) out.push(i);
    else for (let i = a; i >= b; i -= step) out.push(i);
    return out;
  }
  // Ends beyond 2^53: exact steps on bigints, each element canonical (safe ones as numbers).
  const x = N.toBigInt(a);
  const y = N.toBigInt(b);
  const s = BigInt(step);
  if ((x <= y ? y - x : x - y) / s > BigInt(MAX_RANGE)) throw fail(name, 'range too large');
  if (x <= y) for (let i = x; i <= y; i += s) out.push(N.numberFromBigInt(i));
  else for (let i = x; i >= y; i -= s) out.push(N.numberFromBigInt(i));
  return out;
}
