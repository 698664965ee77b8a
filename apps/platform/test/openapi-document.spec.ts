import { readFileSync } from 'node:fs';
import type { OpenAPI3, OperationObject, ResponseObject } from 'openapi-typescript';
import {
  DOCUMENT_FILE,
  fetchOpenApiDocument,
  renderDocument,
  startDocumentPlatform,
} from '../scripts/openapi-document';
import type { RunningPlatform } from '../src/bootstrap';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Served by the platform but deliberately not part of the API document, with why. */
const NOT_IN_DOCUMENT: Record<string, string> = {
  'GET /gateway/auth':
    "internal: APISIX's forward-auth plugin calls it directly, clients never do (libs/gateway)",
};

/** Browser sign-in steps: their success is a documented 302, never a 2xx body. */
const BROWSER_REDIRECTS = new Set(['GET /auth/login', 'GET /auth/callback', 'POST /auth/logout']);

/**
 * Known gaps of the document, left to the API's owners. The test fails when one is fixed too,
 * so the entry gets removed.
 */
const KNOWN_GAPS: Record<string, string> = {};

interface Route {
  key: string;
  method: string;
  path: string;
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route Express answers, as `METHOD /path/{param}` (Nest registers them all there). */
function servedRoutes(platform: RunningPlatform): Route[] {
  const express = platform.app.getHttpAdapter().getInstance() as {
    router: { stack: ExpressLayer[] };
  };
  const routes: Route[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
    // Swagger's own pages and the document itself; `/{*path}` are Nest middleware, not routes.
    if (path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-')) continue;
    if (path.includes('{*')) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all')
        routes.push({ key: `${method.toUpperCase()} ${path}`, method, path });
    }
  }
  return routes;
}

function operations(doc: OpenAPI3): Array<{ key: string; op: OperationObject }> {
  const out: Array<{ key: string; op: OperationObject }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, OperationObject | undefined>)[method];
      if (op) out.push({ key: `${method.toUpperCase()} ${path}`, op });
    }
  }
  return out;
}

/** What is wrong with one operation's responses, as sentences (empty: nothing). */
function responseProblems(key: string, op: OperationObject): string[] {
  const problems: string[] = [];
  const responses = Object.entries(op.responses ?? {}) as Array<[string, ResponseObject]>;
  const ok = responses.filter(([status]) => /^2\d\d$/.test(status));
  if (BROWSER_REDIRECTS.has(key)) {
    if (!responses.some(([status]) => /^3\d\d$/.test(status))) problems.push('no 3xx response');
  } else if (!ok.length) {
    problems.push('no 2xx response');
  }
  for (const [status, res] of ok) {
    const typed =
      status === '204' ||
      Object.values(res.content ?? {}).some((c) => c.schema && Object.keys(c.schema).length > 0);
    if (!typed) problems.push(`${status} has no schema`);
  }
  for (const [status, res] of responses) {
    if (Number(status) < 400) continue;
    const json = res.content?.['application/json']?.schema as { $ref?: string } | undefined;
    if (json?.$ref !== '#/components/schemas/ErrorBodyDto')
      problems.push(`${status} is not the JSON error body`);
  }
  const secured = (op.security ?? []).length > 0;
  if (secured && !responses.some(([status]) => status === '401'))
    problems.push('needs credentials but declares no 401');
  return problems;
}

describe("the platform's committed OpenAPI document", () => {
  let platform: RunningPlatform;
  let doc: OpenAPI3;

  beforeAll(async () => {
    platform = await startDocumentPlatform();
    doc = await fetchOpenApiDocument(platform.url);
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('matches what the platform serves at /docs-json (otherwise run npm run gen:api)', async () => {
    const committed = readFileSync(DOCUMENT_FILE, 'utf8');
    if ((await renderDocument(doc)) !== committed)
      throw new Error('The API changed since openapi.json was written: run `npm run gen:api`');
  });

  it('documents every route the platform serves, and serves every documented one', () => {
    const served = servedRoutes(platform).map((r) => r.key);
    const documented = operations(doc).map((o) => o.key);
    const undocumented = served.filter((k) => !documented.includes(k) && !NOT_IN_DOCUMENT[k]);
    const phantom = documented.filter((k) => !served.includes(k));
    expect({ undocumented, phantom }).toEqual({ undocumented: [], phantom: [] });
    // The exclusions stay true: each is still served and still left out.
    for (const key of Object.keys(NOT_IN_DOCUMENT)) {
      expect(served).toContain(key);
      expect(documented).not.toContain(key);
    }
  });

  it('gives every operation a typed success and its errors in the one error shape', () => {
    const problems: Record<string, string[]> = {};
    for (const { key, op } of operations(doc)) {
      const found = responseProblems(key, op);
      if (found.length) problems[key] = found;
    }
    const unknownGaps = Object.keys(problems).filter((k) => !KNOWN_GAPS[k]);
    const fixedGaps = Object.keys(KNOWN_GAPS).filter((k) => !problems[k]);
    expect({
      problems: Object.fromEntries(unknownGaps.map((k) => [k, problems[k]])),
      fixedGaps,
    }).toEqual({ problems: {}, fixedGaps: [] });
  });
});
