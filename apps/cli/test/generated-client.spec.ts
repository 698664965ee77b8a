import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DOCUMENT_FILE, TYPES_FILE } from '../scripts/api-files';

/** What `npm run gen:api` would write for `document`, from the generator itself run as a program. */
function renderTypes(document: string): Promise<string> {
  const root = path.resolve(__dirname, '..', '..', '..');
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      path.join(root, 'apps/cli/scripts/openapi-types.ts'),
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.stdin.end(document);
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`openapi-types.ts exited ${code}: ${err}`)),
    ),
  );
}

// The document itself is checked against the running platform by
// apps/platform/test/openapi-document.spec.ts; this checks the CLI's types follow it.
describe('the CLI client generated from the OpenAPI document', () => {
  it("matches the platform's committed document (otherwise run npm run gen:api)", async () => {
    const rendered = await renderTypes(readFileSync(DOCUMENT_FILE, 'utf8'));
    if (rendered !== readFileSync(TYPES_FILE, 'utf8'))
      throw new Error('The API changed since the client was generated: run `npm run gen:api`');
  }, 120_000);
});
