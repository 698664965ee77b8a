/**
 * Go time layouts (time/format.go) over nanosecond BigInts: formatting and parsing with the
 * reference time "Mon Jan 2 15:04:05 MST 2006", civil-date arithmetic, IANA zones via Intl.
 */

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12; day may overflow). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y += Math.floor((m - 1) / 12);
  m = ((((m - 1) % 12) + 12) % 12) + 1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 + (d - 1);
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

/** Broken-down wall time of an instant in a zone. */
export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number;
  yday: number;
  offset: number;
  zone: string;
}

const NS_PER_S = 1_000_000_000n;

export class TimeZoneError extends Error {}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
        timeZoneName: 'short',
      });
    } catch {
      throw new TimeZoneError(`unknown time zone ${tz}`);
    }
    zoneFormatters.set(tz, f);
  }
  return f;
}

export function normalizeZone(tz: string): string {
  if (tz === '' || tz === 'UTC') return 'UTC';
  if (tz === 'Local') return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  return tz;
}

/** Offset (seconds east of UTC) and abbreviation of a zone at an instant (epoch seconds). */
export function zoneOffset(tz: string, epochSec: number): [number, string] {
  if (tz === 'UTC') return [0, 'UTC'];
  const f = formatterFor(tz);
  const ms = Math.max(-8.64e15, Math.min(8.64e15, epochSec * 1000));
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wallSec =
    daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 +
    Number(parts.hour) * 3600 +
    Number(parts.minute) * 60 +
    Number(parts.second);
  const offset = wallSec - Math.floor(ms / 1000);
  return [offset, parts.timeZoneName ?? tz];
}

export function toWall(ns: bigint, tz: string): Wall {
  let sec = ns / NS_PER_S;
  let nanos = ns % NS_PER_S;
  if (nanos < 0n) {
    nanos += NS_PER_S;
    sec -= 1n;
  }
  const [offset, zone] = zoneOffset(tz, Number(sec));
  const local = Number(sec) + offset;
  const days = Math.floor(local / 86400);
  const rem = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    minute: Math.floor((rem % 3600) / 60),
    second: rem % 60,
    nanos: Number(nanos),
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    zone,
  };
}

type Chunk = { lit: string } | { std: string; n?: number };

const layoutCache = new Map<string, Chunk[]>();

/** Splits a Go layout into literal text and std tokens (nextStdChunk). */
export function tokenize(layout: string): Chunk[] {
  const hit = layoutCache.get(layout);
  if (hit) return hit;
  const out: Chunk[] = [];
  let lit = '';
  const push = (std: string, len: number, n?: number): number => {
    if (lit) out.push({ lit });
    lit = '';
    out.push({ std, n });
    return len;
  };
  for (let i = 0; i < layout.length;) {
    const rest = layout.slice(i);
    let used = 0;
    const starts = (s: string) => rest.startsWith(s);
    switch (layout[i]) {
      case 'J':
        if (starts('January')) used = push('January', 7);
        else if (starts('Jan')) used = push('Jan', 3);
        break;
      case 'M':
        if (starts('Monday')) used = push('Monday', 6);
        else if (starts('Mon')) used = push('Mon', 3);
        else if (starts('MST')) used = push('MST', 3);
        break;
      case '0':
        if (/^0[1-6]/.test(rest)) used = push(rest.slice(0, 2), 2);
        else if (starts('002')) used = push('002', 3);
        break;
      case '1':
        used = starts('15') ? push('15', 2) : push('1', 1);
        break;
      case '2':
        used = starts('2006') ? push('2006', 4) : push('2', 1);
        break;
      case '_':
        if (starts('_2') && !starts('_2006')) used = push('_2', 2);
        else if (starts('__2')) used = push('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        used = push(layout[i], 1);
        break;
      case 'P':
        if (starts('PM')) used = push('PM', 2);
        break;
      case 'p':
        if (starts('pm')) used = push('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const z of ['070000', '07:00:00', '0700', '07:00', '07']) {
          if (rest.startsWith(layout[i] + z)) {
            used = push(layout[i] + z, z.length + 1);
            break;
          }
        }
        break;
      case '.':
      case ',': {
        const m = /^[.,](0+|9+)/.exec(rest);
        if (m && !/[0-9]/.test(rest[m[0].length] ?? '')) {
          used = push(m[1][0] === '0' ? 'frac0' : 'frac9', m[0].length, m[1].length);
        }
        break;
      }
    }
    if (used === 0) {
      lit += layout[i];
      used = 1;
    }
    i += used;
  }
  if (lit) out.push({ lit });
  layoutCache.set(layout, out);
  return out;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function formatOffset(std: string, offset: number): string {
  if (std[0] === 'Z' && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = pad(Math.floor(a / 3600), 2);
  const m = pad(Math.floor((a % 3600) / 60), 2);
  const s = pad(a % 60, 2);
  switch (std.slice(1)) {
    case '07':
      return sign + h;
    case '0700':
      return sign + h + m;
    case '07:00':
      return sign + h + ':' + m;
    case '070000':
      return sign + h + m + s;
    default:
      return sign + h + ':' + m + ':' + s;
  }
}

export function formatWall(w: Wall, layout: string): string {
  let out = '';
  for (const c of tokenize(layout)) {
    if ('lit' in c) {
      out += c.lit;
      continue;
    }
    const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
    switch (c.std) {
      case 'January':
        out += MONTHS[w.month - 1];
        break;
      case 'Jan':
        out += MONTHS[w.month - 1].slice(0, 3);
        break;
      case 'Monday':
        out += WEEKDAYS[w.weekday];
        break;
      case 'Mon':
        out += WEEKDAYS[w.weekday].slice(0, 3);
        break;
      case 'MST':
        out += w.zone === 'UTC' || w.offset !== 0 || /^[A-Z]/.test(w.zone) ? w.zone : 'UTC';
        break;
      case '01':
        out += pad(w.month, 2);
        break;
      case '02':
        out += pad(w.day, 2);
        break;
      case '03':
        out += pad(h12, 2);
        break;
      case '04':
        out += pad(w.minute, 2);
        break;
      case '05':
        out += pad(w.second, 2);
        break;
      case '06':
        out += pad(((w.year % 100) + 100) % 100, 2);
        break;
      case '002':
        out += pad(w.yday, 3);
        break;
      case '__2':
        out += String(w.yday).padStart(3, ' ');
        break;
      case '15':
        out += pad(w.hour, 2);
        break;
      case '1':
        out += String(w.month);
        break;
      case '2006':
        out += w.year < 0 ? '-' + pad(-w.year, 4) : pad(w.year, 4);
        break;
      case '2':
        out += String(w.day);
        break;
      case '_2':
        out += String(w.day).padStart(2, ' ');
        break;
      case '3':
        out += String(h12);
        break;
      case '4':
        out += String(w.minute);
        break;
      case '5':
        out += String(w.second);
        break;
      case 'PM':
        out += w.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += w.hour >= 12 ? 'pm' : 'am';
        break;
      case 'frac0':
        out += '.' + pad(w.nanos, 9).slice(0, c.n);
        break;
      case 'frac9': {
        const digits = pad(w.nanos, 9).slice(0, c.n).replace(/0+$/, '');
        if (digits) out += '.' + digits;
        break;
      }
      default:
        out += formatOffset(c.std, w.offset);
    }
  }
  return out;
}
