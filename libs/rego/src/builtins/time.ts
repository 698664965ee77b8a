/**
 * Time built-ins (OPA v1/topdown/time.go). Nanoseconds are computed as BigInt and returned as
 * JS numbers, as OPA's JSON output carries them: values beyond 2^53 lose precision (accepted).
 */
import { BigNum, isNum, numberFromBigInt, type Num } from '../number';
import { Value } from '../value';
import { BuiltinError, type BuiltinRegistry, type TypeDecl } from './builtin.types';
import { exactNum, fail, int, str, typeError } from './args';
import {
  civilFromDays,
  daysFromCivil,
  formatWall,
  NAMED_LAYOUTS,
  normalizeZone,
  TimeZoneError,
  toWall,
  WEEKDAYS,
} from './go-time';
import { parseGoTime, TimeParseError } from './go-time-parse';

const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;
const NS_OR_ARRAY: TypeDecl = { anyOf: ['number', 'array'] };

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

/** OPA's tzTime: the number must be an int64 exactly (big.Float Int64 Exact), else "timestamp too big". */
function toNsBig(name: string, x: number | BigNum): bigint {
  const exact = x instanceof BigNum ? x.isInt : Number.isInteger(x);
  const ns = exact ? (x instanceof BigNum ? x.toBigInt() : BigInt(x)) : 0n;
  if (!exact || ns < MIN_I64 || ns > MAX_I64) throw fail(name, 'timestamp too big');
  return ns;
}

function checkRange(name: string, ns: bigint): Num {
  if (ns < MIN_NS || ns > MAX_NS) throw fail(name, 'time outside of valid range');
  return numberFromBigInt(ns);
}

/** A `ns` or `[ns, tz]` (or `[ns, tz, layout]`) operand. */
function timeOperand(
  name: string,
  v: Value,
  pos: number,
): { ns: bigint; tz: string; layout?: string } {
  if (typeof v === 'number' || v instanceof BigNum) return { ns: toNsBig(name, v), tz: 'UTC' };
  if (Array.isArray(v)) {
    if (v.length < 2 || v.length > 3 || !isNum(v[0]) || typeof v[1] !== 'string') {
      throw fail(
        name,
        `operand ${pos} must be either a number (ns) or an [number (ns), string (tz)] pair`,
      );
    }
    const layout = v.length === 3 ? v[2] : undefined;
    if (layout !== undefined && typeof layout !== 'string')
      throw typeError(name, pos, 'string', layout);
    return { ns: toNsBig(name, v[0] as number | BigNum), tz: normalizeZone(v[1]), layout };
  }
  throw typeError(name, pos, 'one of {number, array}', v);
}

function wallOf(name: string, v: Value, pos = 1) {
  const t = timeOperand(name, v, pos);
  try {
    return { w: toWall(t.ns, t.tz), layout: t.layout };
  } catch (e) {
    if (e instanceof TimeZoneError) throw fail(name, e.message);
    throw e;
  }
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string): bigint {
  const orig = s;
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s) as RegExpExecArray;
    if (m[0] === '' || m[0] === '.') throw invalid();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]+/.exec(s);
    if (!u) throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const unit = UNITS[u[0]];
    if (unit === undefined)
      throw new Error(
        `time: unknown unit ${JSON.stringify(u[0])} in duration ${JSON.stringify(orig)}`,
      );
    s = s.slice(u[0].length);
    const whole = BigInt(m[1] || '0') * unit;
    let frac = 0n;
    if (m[2]) frac = (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    total += whole + frac;
  }
  if (total > MAX_NS + (neg ? 1n : 0n)) throw invalid();
  return neg ? -total : total;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'time.now_ns',
    args: [],
    result: 'number',
    nondeterministic: true,
    impl: (_a, ctx) => numberFromBigInt(ctx.nowNs()),
  });
  const parse = (name: string, layout: string, value: string): Num => {
    try {
      return checkRange(name, parseGoTime(layout, value));
    } catch (e) {
      if (e instanceof TimeParseError) throw fail(name, e.message);
      throw e;
    }
  };
  registry.register({
    name: 'time.parse_ns',
    args: ['string', 'string'],
    result: 'number',
    impl: (a) => {
      const layout = str('time.parse_ns', a, 0);
      return parse('time.parse_ns', NAMED_LAYOUTS[layout] ?? layout, str('time.parse_ns', a, 1));
    },
  });
  registry.register({
    name: 'time.parse_rfc3339_ns',
    args: ['string'],
    result: 'number',
    impl: (a) =>
      parse('time.parse_rfc3339_ns', NAMED_LAYOUTS.RFC3339, str('time.parse_rfc3339_ns', a, 0)),
  });
  registry.register({
    name: 'time.parse_duration_ns',
    args: ['string'],
    result: 'number',
    impl: (a) => {
      try {
        return numberFromBigInt(parseDuration(str('time.parse_duration_ns', a, 0)));
      } catch (e) {
        if (e instanceof BuiltinError) throw e;
        throw fail('time.parse_duration_ns', (e as Error).message);
      }
    },
  });
  registry.register({
    name: 'time.date',
    args: [NS_OR_ARRAY],
    result: 'array',
    impl: ([v]) => {
      const { w } = wallOf('time.date', v);
      return [w.year, w.month, w.day];
    },
  });
  registry.register({
    name: 'time.clock',
    args: [NS_OR_ARRAY],
    result: 'array',
    impl: ([v]) => {
      const { w } = wallOf('time.clock', v);
      return [w.hour, w.minute, w.second];
    },
  });
  registry.register({
    name: 'time.weekday',
    args: [NS_OR_ARRAY],
    result: 'string',
    impl: ([v]) => WEEKDAYS[wallOf('time.weekday', v).w.weekday],
  });
  registry.register({
    name: 'time.format',
    args: [NS_OR_ARRAY],
    result: 'string',
    impl: ([v]) => {
      const { w, layout } = wallOf('time.format', v);
      const l =
        layout === undefined ? NAMED_LAYOUTS.RFC3339Nano : (NAMED_LAYOUTS[layout] ?? layout);
      return formatWall(w, l);
    },
  });
  registry.register({
    name: 'time.add_date',
    args: ['number', 'number', 'number', 'number'],
    result: 'number',
    impl: (a) => {
      const name = 'time.add_date';
      const ns = toNsBig(name, exactNum(name, a, 0));
      const w = toWall(ns, 'UTC');
      const days = daysFromCivil(
        w.year + int(name, a, 1),
        w.month + int(name, a, 2),
        w.day + int(name, a, 3),
      );
      const sec = BigInt(days) * 86400n + BigInt(w.hour * 3600 + w.minute * 60 + w.second);
      return checkRange(name, sec * 1_000_000_000n + BigInt(w.nanos));
    },
  });
  registry.register({
    name: 'time.diff',
    args: [NS_OR_ARRAY, NS_OR_ARRAY],
    result: 'array',
    impl: ([x, y]) => {
      const t1 = timeOperand('time.diff', x, 1);
      const t2 = timeOperand('time.diff', y, 2);
      let a = t1.ns;
      let b = t2.ns;
      if (a > b) [a, b] = [b, a];
      const wa = toWall(a, t1.tz);
      const wb = toWall(b, t1.tz);
      let year = wb.year - wa.year;
      let month = wb.month - wa.month;
      let day = wb.day - wa.day;
      let hour = wb.hour - wa.hour;
      let min = wb.minute - wa.minute;
      let sec = wb.second - wa.second;
      if (sec < 0) {
        sec += 60;
        min--;
      }
      if (min < 0) {
        min += 60;
        hour--;
      }
      if (hour < 0) {
        hour += 24;
        day--;
      }
      if (day < 0) {
        const [, , d32] = civilFromDays(daysFromCivil(wa.year, wa.month, 32));
        day += 32 - d32;
        month--;
      }
      if (month < 0) {
        month += 12;
        year--;
      }
      return [year, month, day, hour, min, sec];
    },
  });
}
