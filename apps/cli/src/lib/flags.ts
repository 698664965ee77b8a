import { InvalidArgumentError } from 'commander';

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration flag strictly into seconds: `90`, `90s`, `15m`, `2h`, `1d`, `1h30m`.
 * A bare number is seconds. Anything else is an error naming the flag, so a typo never turns
 * into "no limit" or a default.
 */
export function parseDurationSeconds(flag: string): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return positive(flag, Number(text), value);
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
      throw new InvalidArgumentError(
        `${flag} must be a duration such as 30s, 15m, 2h or 1h30m (got "${value}")`,
      );
    }
    const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]], 0);
    return positive(flag, seconds, value);
  };
}

function positive(flag: string, n: number, raw: string): number {
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`${flag} must be greater than zero (got "${raw}")`);
  }
  return n;
}

const SIZE_UNITS_MB: Record<string, number> = {
  '': 1,
  m: 1,
  mb: 1,
  mi: 1048576 / 1e6,
  mib: 1048576 / 1e6,
  g: 1000,
  gb: 1000,
  gi: 1024,
  gib: 1024,
};

/**
 * A size flag in MB: a bare number is MB; `512Mi`, `2Gi`, `1.5G`, `500MB` too (Mi/Gi binary,
 * M/G decimal; MB rounded up to a whole one). Anything else is an error naming the flag.
 */
export function parseSizeMb(flag: string): (value: string) => number {
  return (value: string) => {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
    const unit = m ? SIZE_UNITS_MB[m[2].toLowerCase()] : undefined;
    if (!m || unit === undefined) {
      throw new InvalidArgumentError(
        `${flag} must be a size such as 512 (MB), 512Mi, 2Gi or 1.5G (got "${value}")`,
      );
    }
    return Math.ceil(positive(flag, Number(m[1]) * unit, value));
  };
}

/** A positive number (CPU shares may be fractional: `0.5`). */
export function parsePositiveNumber(flag: string): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    if (!/^\d+(\.\d+)?$/.test(text)) {
      throw new InvalidArgumentError(`${flag} must be a number such as 2 or 0.5 (got "${value}")`);
    }
    return positive(flag, Number(text), value);
  };
}

/** A whole number, zero allowed (GPUs, counts). */
export function parseCount(flag: string): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    if (!/^\d+$/.test(text)) {
      throw new InvalidArgumentError(
        `${flag} must be a whole number such as 0, 1 or 8 (got "${value}")`,
      );
    }
    return Number(text);
  };
}

/** A duration flag in whole seconds (rounded up), parsed as parseDurationSeconds. */
export function parseWholeSeconds(flag: string): (value: string) => number {
  const parse = parseDurationSeconds(flag);
  return (value: string) => Math.ceil(parse(value));
}
