/**
 * sprintf with Go fmt semantics (OPA v1/topdown/strings.go builtinSprintf): integers are Go ints,
 * other numbers float64, strings strings, every other value its Rego text (so `%v` of an array
 * prints `["a", 1]`). Wrong verbs print Go's `%!d(string=x)` forms.
 */
import { BigNum, Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { arr, str } from './args';
import { goQuote, regoString } from './format';

type Arg = { k: 'int'; v: bigint } | { k: 'float'; v: number } | { k: 'string'; v: string };

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function toArg(v: Value): Arg {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return { k: 'int', v: BigInt(v) };
    return { k: 'float', v };
  }
  if (typeof v === 'string') return { k: 'string', v };
  if (v instanceof BigNum) {
    // OPA: Int(), then big.Int from the text, then Float64(), else the number's text.
    if (/^-?\d+$/.test(v.text)) return { k: 'int', v: BigInt(v.text) };
    const f = v.toNumber();
    if (Number.isFinite(f)) return { k: 'float', v: f };
    return { k: 'string', v: v.text };
  }
  return { k: 'string', v: regoString(v) };
}

function goTypeName(a: Arg): string {
  if (a.k === 'int') return a.v >= -(2n ** 63n) && a.v < 2n ** 63n ? 'int' : '*big.Int';
  return a.k === 'float' ? 'float64' : 'string';
}

function plainValue(a: Arg): string {
  if (a.k === 'float') return formatFloat(a.v, 'g', undefined, 21);
  return String(a.v);
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined) return s;
  const w = spec.width;
  const len = Array.from(s).length;
  if (len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    const prefix =
      /^[+\- ]?0[xXbo]/.test(s) && spec.sharp ? s.slice(sign.length, sign.length + 2) : '';
    const body = s.slice(sign.length + prefix.length);
    return sign + prefix + '0'.repeat(w - len) + body;
  }
  return ' '.repeat(w - len) + s;
}

function signed(s: string, negative: boolean, spec: Spec): string {
  if (negative) return '-' + s;
  if (spec.plus) return '+' + s;
  if (spec.space) return ' ' + s;
  return s;
}

/** Go float formatting for verbs e, f, g (lower/upper handled by the caller). */
export function formatFloat(
  x: number,
  verb: 'e' | 'f' | 'g',
  prec: number | undefined,
  gThreshold = 0,
): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let body: string;
  if (verb === 'f') body = fixed(ax, prec ?? 6);
  else if (verb === 'e') body = expo(ax, prec ?? 6);
  else {
    const shortest = prec === undefined;
    let digits: string;
    let exp: number;
    if (shortest) {
      [digits, exp] = decompose(ax.toExponential());
    } else {
      const p = prec === 0 ? 1 : prec;
      [digits, exp] = decompose(ax.toExponential(p - 1));
      digits = digits.replace(/0+$/, '') || '0';
    }
    const eprec = shortest ? (gThreshold > 0 ? gThreshold : 6) : prec === 0 ? 1 : prec;
    if (exp < -4 || exp >= eprec) {
      const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
      body = mant + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
    } else if (exp < 0) {
      body = '0.' + '0'.repeat(-exp - 1) + digits;
    } else if (digits.length <= exp + 1) {
      body = digits + '0'.repeat(exp + 1 - digits.length);
    } else {
      body = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    }
    if (ax === 0) body = '0';
  }
  return (neg ? '-' : '') + body;
}

function decompose(e: string): [string, number] {
  const [m, ex] = e.split('e');
  return [m.replace('.', ''), Number(ex)];
}

function fixed(ax: number, prec: number): string {
  if (ax >= 1e21) {
    const int = BigInt(Math.trunc(ax)).toString();
    return prec > 0 ? int + '.' + '0'.repeat(prec) : int;
  }
  const p = Math.min(prec, 100);
  // JS rounds exact ties up; Go rounds them to even.
  const wide = ax.toFixed(Math.min(p + 30, 100));
  const cut = wide.indexOf('.') + (p === 0 ? 0 : p + 1);
  if (/^5(0*)$/.test(wide.slice(p === 0 ? cut + 1 : cut).replace('.', ''))) {
    const down = wide.slice(0, p === 0 ? cut : cut);
    const lastDigit = Number(down.replace('.', '').slice(-1));
    if (lastDigit % 2 === 0) return down.endsWith('.') ? down.slice(0, -1) : down;
  }
  return ax.toFixed(p);
}

function expo(ax: number, prec: number): string {
  const [m, ex] = ax.toExponential(Math.min(prec, 100)).split('e');
  const n = Number(ex);
  return m + 'e' + (n < 0 ? '-' : '+') + String(Math.abs(n)).padStart(2, '0');
}

function bad(verb: string, a: Arg): string {
  return `%!${verb}(${goTypeName(a)}=${plainValue(a)})`;
}

function formatInt(v: bigint, verb: string, spec: Spec): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
    case 's':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (spec.sharp) prefix = '0';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    default:
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
  }
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  return pad(signed(prefix + digits, neg, spec), spec, spec.prec === undefined);
}

function formatOne(verb: string, a: Arg, spec: Spec): string {
  switch (a.k) {
    case 'string':
      switch (verb) {
        case 'v':
        case 's': {
          const s = spec.prec !== undefined ? Array.from(a.v).slice(0, spec.prec).join('') : a.v;
          return pad(s, spec, false);
        }
        case 'q':
          return pad(
            spec.sharp && !a.v.includes('`') ? '`' + a.v + '`' : goQuote(a.v),
            spec,
            false,
          );
        case 'x':
        case 'X': {
          let h = Buffer.from(a.v, 'utf8').toString('hex');
          if (verb === 'X') h = h.toUpperCase();
          return pad(h, spec, false);
        }
        default:
          return bad(verb, a);
      }
    case 'int':
      switch (verb) {
        case 'v':
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          return formatInt(a.v, verb, spec);
        case 'c':
          return pad(String.fromCodePoint(Number(a.v)), spec, false);
        case 'q':
          return pad("'" + String.fromCodePoint(Number(a.v)) + "'", spec, false);
        case 'U':
          return pad('U+' + a.v.toString(16).toUpperCase().padStart(4, '0'), spec, false);
        default:
          return bad(verb, a);
      }
    case 'float': {
      const lower = verb.toLowerCase();
      if (lower === 'e' || lower === 'f' || lower === 'g' || verb === 'v') {
        const kind = verb === 'v' ? 'g' : (lower as 'e' | 'f' | 'g');
        let s = formatFloat(a.v, kind, spec.prec, verb === 'v' ? 21 : 0);
        if (verb === 'E' || verb === 'G') s = s.toUpperCase();
        const neg = s.startsWith('-');
        return pad(signed(neg ? s.slice(1) : s, neg, spec), spec, true);
      }
      return bad(verb, a);
    }
  }
}

/** Go's fmt.Sprintf over already converted arguments. */
export function goSprintf(format: string, args: Arg[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return a && a.k === 'int' ? Number(a.v) : undefined;
      }
      const start = i;
      while (i < n && format[i] >= '0' && format[i] <= '9') i++;
      return i > start ? Number(format.slice(start, i)) : undefined;
    };
    spec.width = readNum();
    if (format[i] === '.') {
      i++;
      spec.prec = readNum() ?? 0;
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argi++];
    out += verb === 't' ? bad(verb, a) : formatOne(verb, a, spec);
  }
  if (argi < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argi)
        .map((a) => `${goTypeName(a)}=${plainValue(a)}`)
        .join(', ') +
      ')';
  }
  return out;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'sprintf',
    args: ['string', 'array'],
    result: 'string',
    impl: (a) => {
      const format = str('sprintf', a, 0);
      const values = arr('sprintf', a, 1);
      return goSprintf(format, values.map(toArg));
    },
  });
}
