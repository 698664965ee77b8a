import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConformanceDir, runConformance } from './conformance-runner';

/**
 * `npm run conformance -- [--dir DIR] [--json FILE] [--failures] [--filter TEXT]`
 * Prints cases/passed/failed/skipped per topic directory and the overall rate.
 */
function main(argv: string[]): number {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const projectRoot = path.resolve(__dirname, '../../../..');
  const dir = path.resolve(arg('--dir') ?? defaultConformanceDir(projectRoot));
  if (!fs.existsSync(dir)) {
    process.stderr.write(`conformance directory not found: ${dir}\n`);
    return 2;
  }
  const started = Date.now();
  const report = runConformance({ dir, filter: arg('--filter') });
  const rows = Object.entries(report.dirs).sort(([a], [b]) => a.localeCompare(b));
  const w = Math.max(10, ...rows.map(([n]) => n.length));
  const line = (
    n: string,
    a: string | number,
    b: string | number,
    c: string | number,
    d: string | number,
  ): string =>
    `${n.padEnd(w)}  ${String(a).padStart(6)}  ${String(b).padStart(6)}  ${String(c).padStart(6)}  ${String(d).padStart(7)}`;
  const out: string[] = [line('directory', 'cases', 'passed', 'failed', 'skipped')];
  for (const [n, s] of rows) out.push(line(n, s.total, s.passed, s.failed, s.skipped));
  out.push(line('TOTAL', report.total, report.passed, report.failed, report.skipped));
  out.push(
    `rate: ${(report.rate * 100).toFixed(1)}% (${report.passed}/${report.total}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (argv.includes('--failures')) {
    out.push('', 'failures:');
    for (const c of report.cases)
      if (c.status === 'failed') out.push(`  ${c.id}\n      ${c.reason}`);
  }
  if (argv.includes('--skipped')) {
    out.push('', 'skipped:');
    for (const c of report.cases) if (c.status === 'skipped') out.push(`  ${c.id}: ${c.reason}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  const jsonFile = arg('--json');
  if (jsonFile) {
    const { total, passed, failed, skipped, rate, dirs } = report;
    fs.writeFileSync(
      jsonFile,
      JSON.stringify({ total, passed, failed, skipped, rate, dirs }, null, 2) + '\n',
    );
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
