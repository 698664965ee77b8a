const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isTimestamp(value: string): boolean {
  return ISO.test(value) && !Number.isNaN(Date.parse(value));
}

const STEPS: Array<[number, string]> = [
  [60, 's'],
  [60, 'm'],
  [24, 'h'],
  [30, 'd'],
  [12, 'mo'],
  [Number.POSITIVE_INFINITY, 'y'],
];

/** "3m ago", "in 2h", "just now"; or the ISO time in UTC without milliseconds. */
export function formatTimestamp(value: string, opts: { relative: boolean; now?: number }): string {
  const t = Date.parse(value);
  if (!opts.relative) return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const diffSeconds = Math.round((t - (opts.now ?? Date.now())) / 1000);
  let amount = Math.abs(diffSeconds);
  if (amount < 5) return 'just now';
  for (const [size, unit] of STEPS) {
    if (amount < size) {
      return diffSeconds < 0 ? `${amount}${unit} ago` : `in ${amount}${unit}`;
    }
    amount = Math.floor(amount / size);
  }
  return value;
}
