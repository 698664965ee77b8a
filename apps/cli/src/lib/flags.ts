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
