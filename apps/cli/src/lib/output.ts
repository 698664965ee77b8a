import Table from 'cli-table3';
import { formatTimestamp, isTimestamp } from './time';

export interface OutputOptions {
  json?: boolean;
}

/**
 * How tables look, decided once per run (main.ts): people at a terminal get sized tables with
 * relative times; pipes and scripts get tab-separated lines with ISO times, as `gh` does.
 * `NANOPOD_OUTPUT=table|plain` overrides the terminal check.
 */
export interface OutputMode {
  terminal: boolean;
  utc: boolean;
  columns: number;
}

let mode: OutputMode = detectOutputMode();

/** Columns separated by spaces, no box drawing: easy to read, copy and grep (like kubectl). */
const BORDERLESS = Object.fromEntries(
  [
    'top',
    'top-mid',
    'top-left',
    'top-right',
    'bottom',
    'bottom-mid',
    'bottom-left',
    'bottom-right',
    'left',
    'left-mid',
    'mid',
    'mid-mid',
    'right',
    'right-mid',
    'middle',
  ].map((k) => [k, '']),
);

export function detectOutputMode(utc = false): OutputMode {
  const forced = process.env.NANOPOD_OUTPUT;
  const terminal = forced ? forced === 'table' : Boolean(process.stdout.isTTY);
  return { terminal, utc, columns: process.stdout.columns || 100 };
}

export function setOutputMode(next: OutputMode): void {
  mode = next;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A table for people, tab-separated lines for pipes, or the rows as JSON with --json. */
export function printTable<T extends object>(
  rows: T[],
  columns: Array<{ header: string; get: (row: T) => unknown }>,
  opts: OutputOptions,
): void {
  if (opts.json) {
    printJson(rows);
    return;
  }
  const head = columns.map((c) => c.header.toUpperCase());
  const cells = rows.map((row) => columns.map((c) => formatCell(c.get(row))));
  if (!mode.terminal) {
    for (const line of [head, ...cells]) process.stdout.write(line.map(plain).join('\t') + '\n');
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const table = new Table({
    head,
    colWidths: fitWidths([head, ...cells], mode.columns),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    wordWrap: false,
  });
  for (const line of cells) table.push(line);
  const text = table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
  process.stdout.write(text + '\n');
}

/** One object as aligned key/value lines (key<TAB>value when piped), or JSON. */
export function printRecord(record: Record<string, unknown>, opts: OutputOptions): void {
  if (opts.json) {
    printJson(record);
    return;
  }
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [k, v] of Object.entries(record)) {
    const value = formatCell(v);
    process.stdout.write(
      mode.terminal ? `${k.padEnd(width)}  ${value}\n` : `${k}\t${plain(value)}\n`,
    );
  }
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length ? v.map((x) => formatCell(x)).join(', ') : '-';
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'string' && isTimestamp(v)) {
    return formatTimestamp(v, { relative: mode.terminal && !mode.utc });
  }
  return String(v);
}

/** Tabs and newlines would break a tab-separated line; show them escaped. */
function plain(cell: string): string {
  return cell.replace(/\t/g, '\\t').replace(/\r?\n/g, '\\n');
}

/**
 * Column widths that fit the terminal: each column as wide as its widest cell (plus padding),
 * and when the sum is too wide the widest columns give way first (cells are cut with "…").
 */
export function fitWidths(lines: string[][], terminalColumns: number): number[] {
  const count = lines[0].length;
  const widths = Array.from(
    { length: count },
    (_, i) => Math.max(...lines.map((l) => [...(l[i] ?? '')].length)) + 2,
  );
  const budget = Math.max(terminalColumns - (count + 1), count * 6);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= 6) break;
    widths[widest] -= 1;
    total -= 1;
  }
  return widths;
}
