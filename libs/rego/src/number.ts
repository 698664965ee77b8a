/**
 * Exact numbers, as OPA's: an ast.Number is the text of a JSON number, so integers of any size
 * and decimals with any number of digits are kept as written.
 *
 * Representation (costs nothing on the common path):
 * - a JS number for every safe integer (|n| <= 2^53 - 1) and for every non-integer whose
 *   shortest decimal text (String(n)) is exactly the decimal meant;
 * - a BigNum for everything else: integers beyond 2^53, decimals with more digits than a
 *   double keeps, and magnitudes a double cannot hold (2e308, 1e-400).
 * A value has one representation (numberFromDecimal decides), so equality of numbers is
 * `===` between JS numbers and compare() between BigNums, and keys of sets/objects agree.
 *
 * Arithmetic follows OPA's topdown/arithmetic.go: integers (any size) are exact (`+ - * %`,
 * and `/` when the divisor divides the dividend); anything else is computed as Go's big.Float
 * with its default 64-bit mantissa (round half to even), and printed as
 * `big.Float.Text('g', -1)` (shortest text that reads back as the same 64-bit float).
 */

/** A number that a JS double does not hold exactly. `d * 10^k` is its value (d without trailing zeros). */
export class BigNum {
  constructor(
    /** The text OPA would carry (the literal as written, or the result's Go text). */
    readonly text: string,
    readonly d: bigint,
    readonly k: number,
  ) {}
  get isInt(): boolean {
    return this.k >= 0;
  }
  /** The nearest double (Infinity beyond the double range). */
  toNumber(): number {
    return Number(this.text);
  }
  /** The integer value; only when isInt. */
  toBigInt(): bigint {
    return this.d * 10n ** BigInt(this.k);
  }
  /** Hash key: equal values have equal keys (d and k are normalized). */
  key(): string {
    return 'b' + this.d + 'e' + this.k;
  }
  toString(): string {
    return this.text;
  }
}

export type Num = number | BigNum;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SHORT_INT = /^-?\d{1,15}$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this are refused (a value like 1e1000000000 would need a huge bigint). */
const MAX_EXP = 100_000;

export function isNum(v: unknown): v is Num {
  return typeof v === 'number' || v instanceof BigNum;
}

/** [d, k] with value d * 10^k and d without trailing zeros, or undefined if not a number text. */
export function parseDecimal(text: string): [bigint, number] | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const intPart = m[2];
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isFinite(exp) || Math.abs(exp) > MAX_EXP) return undefined;
  let digits = (intPart + frac).replace(/^0+/, '');
  if (digits === '') return [0n, 0];
  let k = exp - frac.length;
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  k += digits.length - end;
  digits = digits.slice(0, end);
  const d = BigInt(digits);
  return [m[1] === '-' ? -d : d, k];
}

/** The decimal [d, k] of a JS number (as its shortest text reads). */
export function decimalOf(n: number): [bigint, number] {
  if (Number.isInteger(n) && Math.abs(n) <= MAX_SAFE) return normInt(BigInt(n));
  // A few decimal places (78.4, 0.25): the scaled integer that divides back to n exactly.
  let scale = 1;
  for (let p = 1; p <= 9; p++) {
    scale *= 10;
    const r = Math.round(n * scale);
    if (r / scale === n && Math.abs(r) < 2 ** 50) return [BigInt(r), -p];
  }
  return parseDecimal(String(n)) as [bigint, number];
}

function normInt(i: bigint): [bigint, number] {
  if (i === 0n) return [0n, 0];
  let k = 0;
  while (i % 10n === 0n) {
    i /= 10n;
    k++;
  }
  return [i, k];
}

function numDecimal(v: Num): [bigint, number] {
  return typeof v === 'number' ? decimalOf(v) : [v.d, v.k];
}

/** The canonical value of decimal d * 10^k; `text` is kept on a BigNum (default: plain digits or d'e'k). */
export function numberFromDecimal(d: bigint, k: number, text?: string): Num {
  if (d === 0n) return 0;
  if (k >= 0) {
    if (k <= 16) {
      const i = d * 10n ** BigInt(k);
      if (i <= BigInt(MAX_SAFE) && i >= -BigInt(MAX_SAFE)) return Number(i);
      return new BigNum(text ?? i.toString(), d, k);
    }
    return new BigNum(text ?? (k <= 400 ? (d * 10n ** BigInt(k)).toString() : d + 'e' + k), d, k);
  }
  const plain = text ?? decimalText(d, k);
  const n = Number(plain);
  if (n !== 0 && Number.isFinite(n)) {
    const back = parseDecimal(String(n));
    if (back && back[0] === d && back[1] === k) return n;
  }
  return new BigNum(plain, d, k);
}

/** Plain text of a non-integer decimal (Go 'g' style: exponent form for very small/large). */
function decimalText(d: bigint, k: number): string {
  const neg = d < 0n;
  const digits = (neg ? -d : d).toString();
  const dp = digits.length + k;
  return (neg ? '-' : '') + formatG(digits, dp);
}

/** A number literal or number string (to_number, JSON) as a value; undefined if not a number. */
export function numberFromText(text: string): Num | undefined {
  if (SHORT_INT.test(text)) return Number(text);
  const dk = parseDecimal(text);
  if (!dk) return undefined;
  return numberFromDecimal(dk[0], dk[1], text.charCodeAt(0) === 43 ? text.slice(1) : text);
}

/** A JS number as a canonical value (unsafe integers such as 2^60 or 1e300 become BigNums). */
export function canonicalNumber(n: number): Num {
  if (Number.isSafeInteger(n) || !Number.isInteger(n) || !Number.isFinite(n)) return n;
  const [d, k] = parseDecimal(BigInt(n).toString()) as [bigint, number];
  return new BigNum(BigInt(n).toString(), d, k);
}

/** A bigint as a value. */
export function numberFromBigInt(i: bigint): Num {
  if (i <= BigInt(MAX_SAFE) && i >= -BigInt(MAX_SAFE)) return Number(i);
  const [d, k] = normInt(i);
  return new BigNum(i.toString(), d, k);
}

export function isInteger(v: Num): boolean {
  return typeof v === 'number' ? Number.isInteger(v) : v.k >= 0;
}

/** The integer value of an integral number. */
export function toBigInt(v: Num): bigint {
  return typeof v === 'number' ? BigInt(v) : v.toBigInt();
}

export function toNumber(v: Num): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** The text OPA would print for a number (json.marshal, output). */
export function numberText(v: Num): string {
  if (typeof v !== 'number') return v.text;
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return v.toFixed(0);
  return String(v);
}

/** Exact comparison of two numbers (OPA compares big.Rat). */
export function compareNum(a: Num, b: Num): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const [da, ka] = numDecimal(a);
  const [db, kb] = numDecimal(b);
  const sa = da < 0n ? -1 : da > 0n ? 1 : 0;
  const sb = db < 0n ? -1 : db > 0n ? 1 : 0;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same sign: compare magnitudes by order of magnitude first (cheap), then exactly.
  const ma = (sa < 0 ? -da : da).toString().length + ka;
  const mb = (sb < 0 ? -db : db).toString().length + kb;
  if (ma !== mb) return (ma < mb ? -1 : 1) * sa;
  const k = Math.min(ka, kb);
  const x = da * 10n ** BigInt(ka - k);
  const y = db * 10n ** BigInt(kb - k);
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Go big.Float with a 64-bit mantissa: value m * 2^e, 2^63 <= |m| < 2^64 (or m = 0).

const PREC = 64;
type BF = { m: bigint; e: number };

function bitLength(x: bigint): number {
  if (x < 0x100000000n) return x === 0n ? 0 : 32 - Math.clz32(Number(x));
  const f = Number(x);
  if (f < 1e300) {
    // log2 of the nearest double is within one of the truth: fix it with one comparison each way.
    let l = Math.floor(Math.log2(f)) + 1;
    if (x >> BigInt(l - 1) === 0n) l--;
    else if (x >> BigInt(l) !== 0n) l++;
    return l;
  }
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0], 16)));
}

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) return (POW10[n] ??= 10n ** BigInt(n));
  return 10n ** BigInt(n);
}

/** Round |m| * 2^e (m >= 0, maybe with a sticky bit already folded in) to PREC bits, half to even. */
function roundBF(m: bigint, e: number, neg: boolean): BF {
  if (m === 0n) return { m: 0n, e: 0 };
  const len = bitLength(m);
  if (len > PREC) {
    const shift = len - PREC;
    const b = BigInt(shift);
    let q = m >> b;
    const rem = m & ((1n << b) - 1n);
    const half = 1n << (b - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    e += shift;
    if (bitLength(q) > PREC) {
      q >>= 1n;
      e += 1;
    }
    m = q;
  } else if (len < PREC) {
    m <<= BigInt(PREC - len);
    e -= PREC - len;
  }
  return { m: neg ? -m : m, e };
}

/** Exact quotient n / den (n, den > 0) scaled by 2^-s, rounded: enough bits plus a sticky bit. */
function quoBF(n: bigint, den: bigint, e: number, neg: boolean): BF {
  const s = Math.max(0, PREC + 2 + bitLength(den) - bitLength(n));
  const num = n << BigInt(s);
  let q = num / den;
  const r = num % den;
  let ee = e - s;
  if (r !== 0n) {
    q = (q << 1n) | 1n;
    ee -= 1;
  }
  return roundBF(q, ee, neg);
}

function bfFromDecimal(d: bigint, k: number): BF {
  const neg = d < 0n;
  const a = neg ? -d : d;
  if (k >= 0) return roundBF(a * pow10(k), 0, neg);
  return quoBF(a, pow10(-k), 0, neg);
}

function bfAdd(x: BF, y: BF, sub: boolean): BF {
  const ym = sub ? -y.m : y.m;
  if (x.m === 0n) return roundBF(ym < 0n ? -ym : ym, y.e, ym < 0n);
  if (ym === 0n) return x;
  const e = Math.min(x.e, y.e);
  const s = x.m * (1n << BigInt(x.e - e)) + ym * (1n << BigInt(y.e - e));
  return roundBF(s < 0n ? -s : s, e, s < 0n);
}

function bfMul(x: BF, y: BF): BF {
  const p = x.m * y.m;
  return roundBF(p < 0n ? -p : p, x.e + y.e, p < 0n);
}

function bfQuo(x: BF, y: BF): BF {
  if (x.m === 0n) return { m: 0n, e: 0 };
  const neg = x.m < 0n !== y.m < 0n;
  const a = x.m < 0n ? -x.m : x.m;
  const b = y.m < 0n ? -y.m : y.m;
  return quoBF(a, b, x.e - y.e, neg);
}

/** Digits rounded to n significant digits, half to even on the exact digits: [digits, dp]. */
function roundDigits(digits: string, dp: number, n: number): [string, number] {
  if (digits.length <= n) return [digits, dp];
  let head = digits.slice(0, n);
  const next = digits.charCodeAt(n) - 48;
  const restNonZero = /[1-9]/.test(digits.slice(n + 1));
  const up = next > 5 || (next === 5 && (restNonZero || (head.charCodeAt(n - 1) - 48) % 2 === 1));
  if (up) {
    const inc = (BigInt(head) + 1n).toString();
    if (inc.length > head.length) {
      head = inc.slice(0, n);
      dp += 1;
    } else head = inc;
  }
  return [head, dp];
}

/** Go's big.Float.Text('g', -1): the shortest decimal that reads back as the same float. */
function bfText(x: BF): string {
  if (x.m === 0n) return '0';
  const neg = x.m < 0n;
  const a = neg ? -x.m : x.m;
  let digits: string;
  let dp: number;
  if (x.e >= 0) {
    digits = (a << BigInt(x.e)).toString();
    dp = digits.length;
  } else {
    digits = (a * 5n ** BigInt(-x.e)).toString();
    dp = digits.length + x.e;
  }
  digits = digits.replace(/0+$/, '');
  // The shortest length that reads back (reading back is monotone in the length): binary
  // search between 1 and the exact expansion (at most ~20 digits are ever needed at 64 bits).
  const readsBack = (n: number): [string, number] | undefined => {
    const [h, p] = roundDigits(digits, dp, n);
    const back = bfFromDecimal(neg ? -BigInt(h) : BigInt(h), p - h.length);
    return back.m === x.m && back.e === x.e ? [h, p] : undefined;
  };
  let best: [string, number] = [digits, dp];
  let lo = 1;
  let hi = Math.min(digits.length, 22);
  if (hi < digits.length) {
    const r = readsBack(hi);
    if (r) best = r;
  }
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = readsBack(mid);
    if (r) {
      best = r;
      hi = mid;
    } else lo = mid + 1;
  }
  const [h, p] = best;
  return (neg ? '-' : '') + formatG(h.replace(/0+$/, '') || '0', p);
}

/** Go's %g layout of shortest digits (value 0.DIGITS * 10^dp): %e when exp < -4 or exp >= 6. */
function formatG(digits: string, dp: number): string {
  const exp = dp - 1;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ae = Math.abs(exp);
    return mant + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  if (dp <= 0) return '0.' + '0'.repeat(-dp) + digits;
  if (dp >= digits.length) return digits + '0'.repeat(dp - digits.length);
  return digits.slice(0, dp) + '.' + digits.slice(dp);
}

function toBF(v: Num): BF {
  const [d, k] = numDecimal(v);
  return bfFromDecimal(d, k);
}

/**
 * Results of the big.Float path by operation and operands: the emulation costs microseconds
 * (bigint steps), while policies apply the same few operations to the same values over and
 * over. Bounded: cleared when full.
 */
const FLOAT_MEMO = new Map<string, Num>();
const FLOAT_MEMO_MAX = 4096;

function floatOp(op: string, a: Num, b: Num, f: (x: BF, y: BF) => BF): Num {
  const key =
    op + (typeof a === 'number' ? a : a.key()) + '|' + (typeof b === 'number' ? b : b.key());
  let r = FLOAT_MEMO.get(key);
  if (r === undefined) {
    r = fromBF(f(toBF(a), toBF(b)));
    if (FLOAT_MEMO.size >= FLOAT_MEMO_MAX) FLOAT_MEMO.clear();
    FLOAT_MEMO.set(key, r);
  }
  return r;
}

const addBF = (x: BF, y: BF) => bfAdd(x, y, false);
const subBF = (x: BF, y: BF) => bfAdd(x, y, true);

function fromBF(x: BF): Num {
  const text = bfText(x);
  const dk = parseDecimal(text) as [bigint, number];
  return numberFromDecimal(dk[0], dk[1], text);
}

// ---------------------------------------------------------------------------------------
// Arithmetic (OPA's arithOp.eval).

export class ArithError extends Error {}

/** A double that is exactly its short decimal (k/16 with |x| < 2^36): its double ops are exact too. */
function exactDyadic(x: number): boolean {
  return Number.isInteger(x * 16) && x < 68719476736 && x > -68719476736;
}

function dyadicResult(r: number): boolean {
  return Number.isInteger(r * 256) && r < 17592186044416 && r > -17592186044416;
}

export function plus(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
    if (exactDyadic(a) && exactDyadic(b) && dyadicResult(r)) return r;
  }
  if (isInteger(a) && isInteger(b)) return numberFromBigInt(toBigInt(a) + toBigInt(b));
  return floatOp('+', a, b, addBF);
}

export function minus(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
    if (exactDyadic(a) && exactDyadic(b) && dyadicResult(r)) return r === 0 ? 0 : r;
  }
  if (isInteger(a) && isInteger(b)) return numberFromBigInt(toBigInt(a) - toBigInt(b));
  return floatOp('-', a, b, subBF);
}

export function mul(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
    if (exactDyadic(a) && exactDyadic(b) && dyadicResult(r)) return r;
  }
  if (isInteger(a) && isInteger(b)) return numberFromBigInt(toBigInt(a) * toBigInt(b));
  return floatOp('*', a, b, bfMul);
}

export function div(a: Num, b: Num): Num {
  if (typeof b === 'number' ? b === 0 : b.d === 0n) throw new ArithError('divide by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b) && a !== 0 && a % b === 0) return a / b;
    const r = a / b;
    if (exactDyadic(a) && exactDyadic(b) && dyadicResult(r) && r * b === a) return r;
  }
  return floatOp('/', a, b, bfQuo);
}

export function rem(a: Num, b: Num): Num {
  if (!isInteger(a) || !isInteger(b)) throw new ArithError('modulo on floating-point number');
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw new ArithError('modulo by zero');
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  const y = toBigInt(b);
  if (y === 0n) throw new ArithError('modulo by zero');
  return numberFromBigInt(toBigInt(a) % y);
}

export function neg(a: Num): Num {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  const text = a.text.startsWith('-') ? a.text.slice(1) : '-' + a.text;
  return new BigNum(text, -a.d, a.k);
}

export function abs(a: Num): Num {
  if (typeof a === 'number') return Math.abs(a);
  return a.d < 0n ? neg(a) : a;
}

/** round/ceil/floor of OPA (arithRound: half away from zero), exact on any size. */
export function roundTo(a: Num, mode: 'round' | 'ceil' | 'floor'): Num {
  if (typeof a === 'number') {
    const r =
      mode === 'round'
        ? a < 0
          ? -Math.round(-a)
          : Math.round(a)
        : mode === 'ceil'
          ? Math.ceil(a)
          : Math.floor(a);
    if (Number.isSafeInteger(r) || !Number.isFinite(r)) return r === 0 ? 0 : r;
  }
  if (isInteger(a)) return a;
  const [d, k] = numDecimal(a);
  const p = 10n ** BigInt(-k);
  let q = d / p; // truncated toward zero
  const r = d % p;
  if (mode === 'round') {
    const twice = (r < 0n ? -r : r) * 2n;
    if (twice >= p) q += d < 0n ? -1n : 1n;
  } else if (mode === 'ceil' && r > 0n) q += 1n;
  else if (mode === 'floor' && r < 0n) q -= 1n;
  return numberFromBigInt(q);
}
