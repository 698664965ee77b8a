import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConformanceDir, runConformance } from '../src/conformance/conformance-runner';

const projectRoot = path.resolve(__dirname, '../../..');
const dir = defaultConformanceDir(projectRoot);
const floor = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../conformance-floor.json'), 'utf8')) as {
    rate: number;
  }
).rate;

describe('OPA conformance suite', () => {
  const present = fs.existsSync(dir);
  if (!present) {
    console.log(`OPA conformance cases not found at ${dir}: skipped`);
  }
  (present ? it : it.skip)(`passes at least the floor rate of the cases`, () => {
    const report = runConformance({ dir });
    expect(report.total).toBeGreaterThan(0);
    if (report.rate < floor) {
      const failures = report.cases.filter((c) => c.status === 'failed').slice(0, 30);
      console.log(failures.map((f) => `${f.id}: ${f.reason}`).join('\n'));
    }
    expect(report.rate).toBeGreaterThanOrEqual(floor);
  });
});
