import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  defaultConformanceDir,
  readPassingList,
  runConformance,
  writePassingList,
} from './conformance-runner';

/**
 * `npm run conformance -- [--dir DIR] [--json FILE] [--failures] [--skipped] [--filter TEXT]
 *   [--update-passing]`
 * Prints cases/passed/failed/skipped per topic directory, the overall rate and the listed
 * cases (libs/rego/test/opa.passing) that no longer pass; `--update-passing` adds new passes
 * to that list. Exits 1 when a listed case fails.
 */
function main(argv: string[]): number {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const projectRoot = path.resolve(__dirname, '../../../..');
  const dir = path.resolve(arg('--dir') ?? defaultConformanceDir(projectRoot));
  if (!fs.existsSync(dir)) {
    process.stdout.write(
      `OPA conformance cases not found at ${dir} (set OPA_CONFORMANCE_DIR): skipped\n`,
    );
    return 0;
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
  const passingFile = path.join(projectRoot, 'libs/rego/test/opa.passing');
  const listed = readPassingList(passingFile);
  const passed = new Set(report.cases.filter((c) => c.status === 'passed').map((c) => c.id));
  const regressions = arg('--filter') ? [] : [...listed].filter((id) => !passed.has(id));
  out.push(`listed in opa.passing: ${listed.size}; regressions: ${regressions.length}`);
  for (const id of regressions) out.push(`  REGRESSION ${id}`);
  if (argv.includes('--update-passing') && !arg('--filter')) {
    const added = writePassingList(passingFile, listed, report);
    out.push(`opa.passing: ${added.length} case(s) added`);
    for (const id of added) out.push(`  + ${id}`);
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
  return regressions.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
