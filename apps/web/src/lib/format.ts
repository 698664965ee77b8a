/** "3 minutes ago", "in 2 days"; '—' for null. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const diff = Math.round((t - now) / 1000);
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (abs < 45) return rtf.format(diff, 'second');
  if (abs < 2700) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 79200) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 86400 * 45) return rtf.format(Math.round(diff / 86400), 'day');
  if (abs < 86400 * 365) return rtf.format(Math.round(diff / (86400 * 30)), 'month');
  return rtf.format(Math.round(diff / (86400 * 365)), 'year');
}

/** "Nov 26, 2026, 14:05" in the viewer's zone; '—' for null. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

export function number(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * "$12.50", "$0.0034", "$0.000012": cents from a dollar up, and below a dollar as many decimals
 * as show the amount (usage of a few seconds costs fractions of a cent; "$0.00" beside a chart
 * of $0.0034 would be wrong). Cards, tables and chart axes all use this one function.
 */
export function money(n: number | null | undefined, currency = 'USD'): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const abs = Math.abs(n);
  const digits: Intl.NumberFormatOptions =
    abs === 0 || abs >= 1
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : abs >= 0.0001
        ? { minimumFractionDigits: 2, maximumFractionDigits: 4 }
        : { minimumSignificantDigits: 1, maximumSignificantDigits: 2 };
  return n.toLocaleString('en', { style: 'currency', currency, ...digits });
}
