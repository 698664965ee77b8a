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
  // Bytes first, decoded once: a chunk boundary can fall inside a multi-byte character.
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(`generate-api.cts exited ${code}: ${Buffer.concat(err).toString()}`)),
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
