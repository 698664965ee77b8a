import Table from 'cli-table3';

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A table for people, or the rows as JSON with --json. */
export function printTable<T extends object>(
  rows: T[],
  columns: Array<{ header: string; get: (row: T) => unknown }>,
  opts: OutputOptions,
): void {
  if (opts.json) {
    printJson(rows);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => formatCell(c.get(row))));
  process.stdout.write(table.toString() + '\n');
}

/** One object as key/value lines, or JSON. */
export function printRecord(record: Record<string, unknown>, opts: OutputOptions): void {
  if (opts.json) {
    printJson(record);
    return;
  }
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [k, v] of Object.entries(record))
    process.stdout.write(`${k.padEnd(width)}  ${formatCell(v)}\n`);
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
