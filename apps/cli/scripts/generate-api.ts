import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { OpenAPI3 } from 'openapi-typescript';
import { DOCUMENT_FILE, TYPES_FILE } from './api-files';
import { renderTypes } from './openapi-types';

/** Second step of `npm run gen:api`: the CLI's client types from the platform's document. */
async function main(): Promise<void> {
  const doc = JSON.parse(readFileSync(DOCUMENT_FILE, 'utf8')) as OpenAPI3;
  mkdirSync(path.dirname(TYPES_FILE), { recursive: true });
  writeFileSync(TYPES_FILE, await renderTypes(doc));
  process.stdout.write(`Wrote ${path.relative(process.cwd(), TYPES_FILE)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`gen:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
