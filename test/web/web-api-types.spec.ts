import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TYPES_FILE = path.join(ROOT, 'apps/web/src/generated/api-types.ts');

/** What `npm run gen:api` would write for the dashboard, from its generator run as a program. */
function renderWebTypes(): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-e',
      "require('./apps/web/scripts/generate-api.cts')",
      '--',
      '--stdout',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`generate-api.cts exited ${code}: ${err}`)),
    ),
  );
}

// The document itself is checked against the running platform by
// apps/platform/test/openapi-document.spec.ts; this checks the dashboard's types follow it.
describe("the dashboard's API types", () => {
  it("match the platform's committed document (otherwise run npm run gen:api)", async () => {
    if ((await renderWebTypes()) !== readFileSync(TYPES_FILE, 'utf8'))
      throw new Error('The API changed since the dashboard types were generated: npm run gen:api');
  }, 120_000);
});
