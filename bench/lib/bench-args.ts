import { writeFileSync } from 'node:fs';

export interface BenchArgs {
  json?: string;
  [flag: string]: string | undefined;
}

/** `--json FILE` and other `--name value` flags. */
export function parseBenchArgs(argv = process.argv.slice(2)): BenchArgs {
  const out: BenchArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[key] = next;
      i++;
    } else out[key] = 'true';
  }
  return out;
}

/** Writes `{"bench": NAME, "results": {...}}` when --json was given. */
export function writeBenchJson(
  file: string | undefined,
  bench: string,
  results: Record<string, number>,
): void {
  if (!file) return;
  writeFileSync(file, JSON.stringify({ bench, results }, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function summarize(samples: number[]): {
  p50: number;
  p99: number;
  mean: number;
  n: number;
} {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
    n: sorted.length,
  };
}

/** A plain aligned table for the terminal. */
export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: Array<string | number>) =>
    r.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  process.stdout.write(line(cells[0]) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const r of cells.slice(1)) process.stdout.write(line(r) + '\n');
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toFixed(3);
}
