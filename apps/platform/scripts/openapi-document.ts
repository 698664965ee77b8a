import type { OpenAPI3 } from 'openapi-typescript';
import * as path from 'node:path';
import { RunningPlatform, startPlatform } from '../src/bootstrap';

/**
 * The platform's API contract, committed: the CLI's and the dashboard's generators read this
 * file (never the platform's source), so no app imports another to build its client.
 */
export const DOCUMENT_FILE = path.join(__dirname, '..', 'openapi.json');

/**
 * A throwaway in-process platform to read the OpenAPI document from. The environment is fixed
 * (test, PGlite in memory, no local node agent, no DATABASE_URL) so the document depends on the
 * code only, never on the caller's shell.
 */
export function startDocumentPlatform(): Promise<RunningPlatform> {
  return startPlatform({
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NANOPOD_ENV: 'test',
      PORT: '0',
      NANOPOD_DATA_DIR: ':memory:',
      NANOPOD_LOCAL_NODE_AGENT: 'false',
      NANOPOD_LOG_LEVEL: 'warn',
      // Under `npm test`: the migrated template and one issuer key (the document is the same).
      ...(process.env.NANOPOD_PGLITE_TEMPLATE
        ? { NANOPOD_PGLITE_TEMPLATE: process.env.NANOPOD_PGLITE_TEMPLATE }
        : {}),
      ...(process.env.NANOPOD_OIDC_KEYS_FILE
        ? { NANOPOD_OIDC_KEYS_FILE: process.env.NANOPOD_OIDC_KEYS_FILE }
        : {}),
    },
  });
}

/** GET /docs-json of a running platform. */
export async function fetchOpenApiDocument(baseUrl: string): Promise<OpenAPI3> {
  const res = await fetch(`${baseUrl}/docs-json`);
  if (!res.ok) throw new Error(`GET /docs-json answered ${res.status}`);
  return (await res.json()) as OpenAPI3;
}

/** Object keys sorted at every depth (arrays keep their order): a stable, diffable document. */
export function sortDocument<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => sortDocument(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    out[key] = sortDocument((value as Record<string, unknown>)[key]);
  }
  return out as T;
}

export async function renderDocument(doc: OpenAPI3): Promise<string> {
  return `${JSON.stringify(sortDocument(doc), null, 2)}\n`;
}
