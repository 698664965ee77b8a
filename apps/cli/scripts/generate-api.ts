import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DOCUMENT_FILE,
  GENERATED_DIR,
  TYPES_FILE,
  fetchOpenApiDocument,
  renderDocument,
  startDocumentPlatform,
} from './openapi-document';
import { renderTypes } from './openapi-types';

/** `npm run gen:api`: writes the OpenAPI document and the CLI's client types from it. */
async function main(): Promise<void> {
  const platform = await startDocumentPlatform();
  const doc = await fetchOpenApiDocument(platform.url).finally(() => platform.close());
  mkdirSync(GENERATED_DIR, { recursive: true });
  writeFileSync(DOCUMENT_FILE, await renderDocument(doc));
  writeFileSync(TYPES_FILE, await renderTypes(doc));
  const cwd = process.cwd();
  process.stdout.write(
    `Wrote ${path.relative(cwd, DOCUMENT_FILE)} and ${path.relative(cwd, TYPES_FILE)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`gen:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
