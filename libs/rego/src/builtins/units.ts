/** units.parse and units.parse_bytes (OPA v1/topdown/parse_units.go, parse_bytes.go), exact via BigInt rationals. */
import type { BuiltinRegistry } from './builtin.types';
import { fail, str } from './args';

const K = 1000n;
const SI: Record<string, bigint> = {
  k: K,
  m: K ** 2n,
  g: K ** 3n,
  t: K ** 4n,
  p: K ** 5n,
  e: K ** 6n,
};
const BIN: Record<string, bigint> = {
  ki: 1n << 10n,
  mi: 1n << 20n,
  gi: 1n << 30n,
  ti: 1n << 40n,
  pi: 1n << 50n,
  ei: 1n << 60n,
};

const UNITS: Record<string, [bigint, bigint]> = { '': [1n, 1n], m: [1n, 1000n], M: [SI.m, 1n] };
for (const u of 'kgtpe') UNITS[u] = UNITS[u.toUpperCase()] = [SI[u], 1n];
for (const u of 'kmgtpe') UNITS[u + 'i'] = UNITS[u.toUpperCase() + 'i'] = [BIN[u + 'i'], 1n];

class ExponentTooLarge extends Error {}

/** extractNumAndUnit: the numeric prefix (digits, '.', exponent) and the unit. */
function splitNumUnit(s: string): [string, string] {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-')
      return [s.slice(0, i), s.slice(i)];
    if (c === 'e' || c === 'E') {
      const n = s[i + 1];
      if (i === s.length - 1 || (!isDigit(n) && n !== '+' && n !== '-'))
        return [s.slice(0, i), s.slice(i)];
      if (n === '+' || n === '-') i++;
      let j = i + 1;
      while (isDigit(s[j])) j++;
      if (j - (i + 1) > 6) throw new ExponentTooLarge();
    }
  }
  return [s, ''];
}

/** A decimal literal as numerator/denominator BigInts; undefined when not a number. */
function rational(num: string): [bigint, bigint] | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(num);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  let n = BigInt((m[2] || '0') + (m[3] ?? ''));
  let d = 10n ** BigInt((m[3] ?? '').length);
  const exp = Number(m[4] ?? 0);
  if (Math.abs(exp) > 400) return undefined;
  if (exp > 0) n *= 10n ** BigInt(exp);
  else if (exp < 0) d *= 10n ** BigInt(-exp);
  if (m[1] === '-') n = -n;
  return [n, d];
}

function decimalString(n: bigint, d: bigint, places: number): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const scale = 10n ** BigInt(places);
  const q = (a * scale * 2n + d) / (2n * d);
  const s = q.toString().padStart(places + 1, '0');
  return (neg ? '-' : '') + s.slice(0, s.length - places) + '.' + s.slice(s.length - places);
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'units.parse',
    args: ['string'],
    result: 'number',
    impl: (a) => {
      const name = 'units.parse';
      const s = str(name, a, 0).replace(/"/g, '');
      if (s.includes(' ')) throw fail(name, 'spaces not allowed in resource strings');
      let num: string;
      let unit: string;
      try {
        [num, unit] = splitNumUnit(s);
      } catch {
        throw fail(name, 'exponent too large');
      }
      if (num === '') throw fail(name, 'no amount provided');
      if (unit.length > 1) unit = unit[0] + unit.slice(1).toLowerCase();
      const mul = UNITS[unit];
      if (mul === undefined) throw fail(name, `unit ${unit} not recognized`);
      const [mulN, mulD] = mul;
      const r = rational(num);
      if (!r) throw fail(name, 'could not parse amount to a number');
      const n = r[0] * mulN;
      const d = r[1] * mulD;
      if (n % d === 0n) return Number(n / d);
      return Number(decimalString(n, d, 10));
    },
  });
  registry.register({
    name: 'units.parse_bytes',
    args: ['string'],
    result: 'number',
    impl: (a) => {
      const name = 'units.parse_bytes';
      const s = str(name, a, 0).toLowerCase().replace(/"/g, '');
      if (s.includes(' ')) throw fail(name, 'spaces not allowed in resource strings');
      let num: string;
      let unit: string;
      try {
        [num, unit] = splitNumUnit(s);
      } catch {
        throw fail(name, 'exponent too large');
      }
      if (num === '') throw fail(name, 'no byte amount provided');
      let mul: bigint | undefined;
      if (unit === '') mul = 1n;
      else if (/^[kmgtpe]b?$/.test(unit)) mul = SI[unit[0]];
      else if (/^[kmgtpe]ib?$/.test(unit)) mul = BIN[unit.slice(0, 2)];
      if (mul === undefined) throw fail(name, `byte unit ${unit} not recognized`);
      const r = rational(num);
      if (!r) throw fail(name, 'could not parse byte amount to a number');
      return Number((r[0] * mul) / r[1]);
    },
  });
}
