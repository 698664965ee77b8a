import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DOCUMENT_FILE,
  fetchOpenApiDocument,
  renderDocument,
  startDocumentPlatform,
} from './openapi-document';

/** First step of `npm run gen:api`: writes apps/platform/openapi.json from GET /docs-json. */
async function main(): Promise<void> {
  const platform = await startDocumentPlatform();
  const doc = await fetchOpenApiDocument(platform.url).finally(() => platform.close());
  writeFileSync(DOCUMENT_FILE, await renderDocument(doc));
  process.stdout.write(`Wrote ${path.relative(process.cwd(), DOCUMENT_FILE)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`gen:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
