/**
 * Time in the market is whole hours: an order covers the hour blocks [startHour, endHour),
 * each numbered by hours since the Unix epoch. SF Compute rounds durations up to the hour and
 * refuses anything under one; we do the same.
 */
export const HOUR_MS = 3_600_000;

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);
export const hourStart = (hour: number): Date => new Date(hour * HOUR_MS);

/** A rule a request broke, named by its field, for a 422 with that field. */
export interface FieldProblem {
  field: string;
  problem: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: FieldProblem };

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: HOUR_MS,
  d: 24 * HOUR_MS,
  w: 7 * 24 * HOUR_MS,
};
const SPAN = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;

/** "90m", "24h", "2d" → milliseconds; null when it is not such a span. */
export function parseSpanMs(text: string): number | null {
  const m = SPAN.exec(text.trim().toLowerCase());
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

/**
 * Duration → whole hours, rounded up; under one hour is refused. Accepts a span ("24h",
 * "90m") or a number of seconds.
 */
export function parseDurationHours(input: string | number, field = 'duration'): Parsed<number> {
  const ms = typeof input === 'number' ? input * 1000 : parseSpanMs(input);
  if (ms === null || !Number.isFinite(ms)) {
    return { ok: false, problem: { field, problem: 'must be a span like "24h" or seconds' } };
  }
  if (ms < HOUR_MS) return { ok: false, problem: { field, problem: 'must be at least 1h' } };
  const hours = Math.ceil(ms / HOUR_MS);
  if (hours > 24 * 366) return { ok: false, problem: { field, problem: 'must be at most 1 year' } };
  return { ok: true, value: hours };
}

/**
 * Start → its hour block. "now" is the current block; "in 5h" and ISO times name the block
 * that contains them. A start before the current block is in the past.
 */
export function parseStartHour(input: string, nowMs: number, field = 'start'): Parsed<number> {
  const text = input.trim().toLowerCase();
  const current = hourOf(nowMs);
  let at: number;
  if (text === 'now') return { ok: true, value: current };
  if (text.startsWith('in ')) {
    const span = parseSpanMs(text.slice(3));
    if (span === null)
      return {
        ok: false,
        problem: { field, problem: 'must be "now", "in <span>" or an ISO time' },
      };
    at = nowMs + span;
  } else {
    if (!/^\d{4}-\d{2}-\d{2}t/.test(text)) {
      return {
        ok: false,
        problem: { field, problem: 'must be "now", "in <span>" or an ISO time' },
      };
    }
    at = Date.parse(input);
    if (!Number.isFinite(at))
      return { ok: false, problem: { field, problem: 'is not a valid ISO time' } };
  }
  const hour = hourOf(at);
  if (hour < current) return { ok: false, problem: { field, problem: 'is in the past' } };
  if (hour > current + 24 * 366) {
    return { ok: false, problem: { field, problem: 'must be within a year' } };
  }
  return { ok: true, value: hour };
}
