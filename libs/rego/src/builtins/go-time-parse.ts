/** Go's time.Parse over the layouts of go-time.ts; returns nanoseconds since the epoch. */
import { daysFromCivil, MONTHS, tokenize, WEEKDAYS } from './go-time';

export class TimeParseError extends Error {}

function quote(s: string): string {
  return JSON.stringify(s);
}

const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const digitRes = new Map<number, RegExp>();

function digitsRe(min: number, max: number): RegExp {
  const key = min * 16 + max;
  let re = digitRes.get(key);
  if (!re) {
    re = new RegExp(`^[0-9]{${min},${max}}`);
    digitRes.set(key, re);
  }
  return re;
}

export function parseGoTime(layout: string, value: string): bigint {
  const orig = value;
  const err = (std: string, rest: string, msg = '') =>
    new TimeParseError(
      msg
        ? `parsing time ${quote(orig)}${msg}`
        : `parsing time ${quote(orig)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(std)}`,
    );
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let zoneAbbr: string | undefined;
  let yday = -1;
  const chunks = tokenize(layout);
  const num = (std: string, min: number, max: number): number => {
    const m = digitsRe(min, max).exec(value);
    if (!m) throw err(std, value);
    value = value.slice(m[0].length);
    return Number(m[0]);
  };
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci];
    if ('lit' in c) {
      // Go skips runs of spaces in both as a unit; compare literally otherwise
      if (!value.startsWith(c.lit)) throw err(c.lit, value);
      value = value.slice(c.lit.length);
      continue;
    }
    const std = c.std;
    const rest = value;
    switch (std) {
      case 'January':
      case 'Jan': {
        const names = MONTHS.map((m) => (std === 'Jan' ? m.slice(0, 3) : m));
        const idx = names.findIndex(
          (n) => value.slice(0, n.length).toLowerCase() === n.toLowerCase(),
        );
        if (idx < 0) throw err(std, rest);
        month = idx + 1;
        value = value.slice(names[idx].length);
        break;
      }
      case 'Monday':
      case 'Mon': {
        const names = WEEKDAYS.map((d) => (std === 'Mon' ? d.slice(0, 3) : d));
        const idx = names.findIndex(
          (n) => value.slice(0, n.length).toLowerCase() === n.toLowerCase(),
        );
        if (idx < 0) throw err(std, rest);
        value = value.slice(names[idx].length);
        break;
      }
      case '01':
      case '1':
        month = num(std, std === '01' ? 2 : 1, 2);
        if (month < 1 || month > 12) throw err(std, rest, ': month out of range');
        break;
      case '02':
      case '2':
      case '_2':
        if (std === '_2' && value[0] === ' ') value = value.slice(1);
        day = num(std, std === '02' ? 2 : 1, 2);
        break;
      case '002':
      case '__2':
        if (std === '__2') value = value.replace(/^ {1,2}/, '');
        yday = num(std, std === '002' ? 3 : 1, 3);
        break;
      case '15':
        hour = num(std, 1, 2);
        if (hour > 23) throw err(std, rest, ': hour out of range');
        break;
      case '03':
      case '3':
        hour = num(std, std === '03' ? 2 : 1, 2);
        if (hour > 12) throw err(std, rest, ': hour out of range');
        break;
      case '04':
      case '4':
        minute = num(std, std === '04' ? 2 : 1, 2);
        if (minute > 59) throw err(std, rest, ': minute out of range');
        break;
      case '05':
      case '5': {
        second = num(std, std === '05' ? 2 : 1, 2);
        if (second > 59) throw err(std, rest, ': second out of range');
        const next = chunks[ci + 1];
        const m = /^[.,]([0-9]+)/.exec(value);
        if (m && !(next && 'std' in next && next.std.startsWith('frac'))) {
          nanos = Number((m[1] + '000000000').slice(0, 9));
          value = value.slice(m[0].length);
        }
        break;
      }
      case '2006': {
        const m = /^[0-9]{4}/.exec(value);
        if (!m) throw err(std, rest);
        year = Number(m[0]);
        value = value.slice(4);
        break;
      }
      case '06': {
        const yy = num(std, 2, 2);
        year = yy >= 69 ? 1900 + yy : 2000 + yy;
        break;
      }
      case 'PM':
      case 'pm': {
        const p = value.slice(0, 2).toUpperCase();
        if (p !== 'AM' && p !== 'PM') throw err(std, rest);
        pm = p === 'PM';
        value = value.slice(2);
        break;
      }
      case 'MST': {
        const m = /^(UTC|GMT([+-][0-9]{1,2})?|[A-Z]{3,5}T?)/.exec(value);
        if (!m) throw err(std, rest);
        zoneAbbr = m[0];
        value = value.slice(m[0].length);
        break;
      }
      case 'frac0':
      case 'frac9': {
        const m =
          std === 'frac0'
            ? new RegExp(`^[.,][0-9]{${c.n}}`).exec(value)
            : /^[.,][0-9]+/.exec(value);
        if (!m) {
          if (std === 'frac9') break;
          throw err(std === 'frac0' ? '.' + '0'.repeat(c.n ?? 0) : std, rest);
        }
        nanos = Number((m[0].slice(1) + '000000000').slice(0, 9));
        value = value.slice(m[0].length);
        break;
      }
      default: {
        if (std[0] === 'Z' && value[0] === 'Z') {
          offset = 0;
          value = value.slice(1);
          break;
        }
        const shapes: Record<string, RegExp> = {
          '07': /^([+-])([0-9]{2})/,
          '0700': /^([+-])([0-9]{2})([0-9]{2})/,
          '07:00': /^([+-])([0-9]{2}):([0-9]{2})/,
          '070000': /^([+-])([0-9]{2})([0-9]{2})([0-9]{2})/,
          '07:00:00': /^([+-])([0-9]{2}):([0-9]{2}):([0-9]{2})/,
        };
        const m = shapes[std.slice(1)].exec(value);
        if (!m) throw err(std, rest);
        const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
        offset = m[1] === '-' ? -secs : secs;
        value = value.slice(m[0].length);
      }
    }
  }
  if (value !== '')
    throw new TimeParseError(`parsing time ${quote(orig)}: extra text: ${quote(value)}`);
  if (pm !== undefined) {
    if (pm && hour < 12) hour += 12;
    else if (!pm && hour === 12) hour = 0;
  }
  if (yday >= 0) {
    const days = daysFromCivil(year, 1, 1) + yday - 1;
    return toNs(days, hour, minute, second, nanos, offset ?? 0);
  }
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN[month - 1];
  if (day < 1 || day > dim)
    throw new TimeParseError(`parsing time ${quote(orig)}: day out of range`);
  const days = daysFromCivil(year, month, day);
  if (offset === undefined && zoneAbbr?.startsWith('GMT') && zoneAbbr.length > 3)
    offset = Number(zoneAbbr.slice(3)) * 3600;
  return toNs(days, hour, minute, second, nanos, offset ?? 0);
}

function toNs(
  days: number,
  h: number,
  m: number,
  s: number,
  nanos: number,
  offset: number,
): bigint {
  const sec = BigInt(days) * 86400n + BigInt(h * 3600 + m * 60 + s - offset);
  return sec * 1_000_000_000n + BigInt(nanos);
}
