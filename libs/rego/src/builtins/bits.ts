/** Bitwise built-ins (OPA v1/topdown/bits.go), on arbitrary-precision integers via BigInt. */
import { Value } from '../value';
import { BuiltinTypeError, type BuiltinRegistry } from './builtin.types';
import { int } from './args';

function big(name: string, a: Value[], i: number): bigint {
  return BigInt(int(name, a, i));
}

function unsigned(name: string, a: Value[], i: number): bigint {
  const v = big(name, a, i);
  if (v < 0n) {
    throw new BuiltinTypeError(
      name,
      `operand ${i + 1} must be an unsigned integer number but got a negative integer`,
    );
  }
  return v;
}

export function register(registry: BuiltinRegistry): void {
  const binary: Array<[string, (x: bigint, y: bigint) => bigint]> = [
    ['bits.or', (x, y) => x | y],
    ['bits.and', (x, y) => x & y],
    ['bits.xor', (x, y) => x ^ y],
  ];
  for (const [name, fn] of binary) {
    registry.register({
      name,
      args: ['number', 'number'],
      result: 'number',
      impl: (a) => Number(fn(big(name, a, 0), big(name, a, 1))),
    });
  }
  registry.register({
    name: 'bits.negate',
    args: ['number'],
    result: 'number',
    impl: (a) => Number(~big('bits.negate', a, 0)),
  });
  registry.register({
    name: 'bits.lsh',
    args: ['number', 'number'],
    result: 'number',
    impl: (a) => {
      const x = big('bits.lsh', a, 0);
      return Number(x << unsigned('bits.lsh', a, 1));
    },
  });
  registry.register({
    name: 'bits.rsh',
    args: ['number', 'number'],
    result: 'number',
    impl: (a) => {
      const x = big('bits.rsh', a, 0);
      return Number(x >> unsigned('bits.rsh', a, 1));
    },
  });
}
