import * as path from 'node:path';

/** The platform's committed API document (written by apps/platform/scripts/generate-openapi.ts). */
export const DOCUMENT_FILE = path.join(__dirname, '..', '..', 'platform', 'openapi.json');
/** The CLI's client types generated from it. */
export const TYPES_FILE = path.join(__dirname, '..', 'src', 'generated', 'api-types.ts');
