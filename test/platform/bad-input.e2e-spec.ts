import { randomUUID } from 'node:crypto';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

/**
 * Every route in the OpenAPI document gets a batch of bad requests: malformed JSON, unknown
 * fields, wrong types, oversized bodies, bad ids, bad query parameters, missing or bogus
 * credentials. None may answer 500, and every error is in the one error shape. Written over
 * /docs-json so routes added later are covered without touching this file.
 */

interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  $ref?: string;
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  required?: string[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface BadRequest {
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** 'client' means any 4xx; a number means exactly that status. */
  expect: 'client' | 'not-500' | number;
  auth: boolean | 'bogus';
}

const BODY_METHODS = new Set(['post', 'put', 'patch']);

function resolve(doc: OpenApiDoc, s: Schema | undefined): Schema | undefined {
  if (!s) return undefined;
  if (s.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.split('/').pop() as string]);
  if (s.allOf?.length) {
    const parts = s.allOf.map((p) => resolve(doc, p) ?? {});
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
    };
  }
  return s;
}

/** A value of the wrong JSON type for a schema. */
function wrongValue(s: Schema | undefined): unknown {
  switch (s?.type) {
    case 'string':
      return s.format === 'date-time' ? 'not-a-date' : 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'not-a-boolean';
    case 'array':
      return 'not-an-array';
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return { unexpected: { deeply: ['nested'] } };
  }
}

function validLooking(s: Schema | undefined): string {
  if (s?.format === 'uuid') return randomUUID();
  if (s?.type === 'integer' || s?.type === 'number') return '1';
  if (s?.enum?.length) return String(s.enum[0]);
  return 'bad-input-probe';
}

function fillPath(
  path: string,
  params: Parameter[],
  override?: { name: string; value: string },
): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (override && override.name === name) return override.value;
    const p = params.find((x) => x.in === 'path' && x.name === name);
    return encodeURIComponent(validLooking(p?.schema));
  });
}

function badRequestsFor(
  doc: OpenApiDoc,
  path: string,
  method: string,
  op: Operation,
): BadRequest[] {
  const params = op.parameters ?? [];
  const url = fillPath(path, params);
  const secured = (op.security?.length ?? 0) > 0;
  const out: BadRequest[] = [];
  const json = { 'content-type': 'application/json' };

  out.push({
    what: 'no credentials',
    method,
    path: url,
    expect: secured ? 401 : 'not-500',
    auth: false,
  });
  out.push({
    what: 'a bogus bearer token',
    method,
    path: url,
    expect: secured ? 401 : 'not-500',
    auth: 'bogus',
  });

  if (BODY_METHODS.has(method)) {
    out.push({
      what: 'malformed JSON',
      method,
      path: url,
      headers: json,
      body: '{"a": 1,',
      // 400 usually; a webhook that checks its signature over the raw body first may say 401.
      expect: 'client',
      auth: true,
    });
    out.push({
      what: 'an oversized body',
      method,
      path: url,
      headers: json,
      body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
      expect: 'client',
      auth: true,
    });
    const schema = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
    if (schema) {
      out.push({
        what: 'unknown fields',
        method,
        path: url,
        headers: json,
        body: JSON.stringify({ __unknown_field__: true, $where: '1' }),
        expect: 'client',
        auth: true,
      });
      const props = schema.properties ?? {};
      if (Object.keys(props).length > 0) {
        const wrong: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(props)) wrong[k] = wrongValue(resolve(doc, v));
        // Past PostgreSQL's integer and bigint: the database must never be the one to refuse.
        const huge: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(props)) {
          const t = resolve(doc, v)?.type;
          if (t === 'integer' || t === 'number') huge[k] = 1e20;
        }
        if (Object.keys(huge).length > 0) {
          out.push({
            what: 'out-of-range numbers',
            method,
            path: url,
            headers: json,
            body: JSON.stringify(huge),
            expect: 'not-500',
            auth: true,
          });
        }
        out.push({
          what: 'wrong types',
          method,
          path: url,
          headers: json,
          body: JSON.stringify(wrong),
          expect: 'client',
          auth: true,
        });
      }
      for (const [what, body] of [
        ['an array body', '[]'],
        ['a string body', '"text"'],
        ['a number body', '42'],
        ['null', 'null'],
      ]) {
        out.push({ what, method, path: url, headers: json, body, expect: 'client', auth: true });
      }
      out.push({
        what: 'a text/plain body',
        method,
        path: url,
        headers: { 'content-type': 'text/plain' },
        body: 'name=x',
        // No JSON body at all: refused when the body has required fields, else it is just empty.
        expect: (schema.required?.length ?? 0) > 0 ? 'client' : 'not-500',
        auth: true,
      });
    }
  }

  for (const p of params.filter((x) => x.in === 'path')) {
    for (const bad of [
      'not-a-valid-id',
      '%00',
      'x'.repeat(512),
      "1'%20OR%20'1'%3D'1",
      '..%2F..%2Fetc',
      '99999999999',
    ]) {
      out.push({
        what: `bad path parameter ${p.name}=${bad.slice(0, 20)}`,
        method,
        path: fillPath(path, params, { name: p.name, value: bad }),
        headers: BODY_METHODS.has(method) ? json : undefined,
        body: BODY_METHODS.has(method) ? '{}' : undefined,
        expect: 'client',
        auth: true,
      });
    }
  }

  for (const p of params.filter((x) => x.in === 'query')) {
    const s = resolve(doc, p.schema);
    const typed =
      s?.type === 'integer' || s?.type === 'number' || s?.type === 'boolean' || !!s?.enum;
    const values =
      s?.type === 'integer' || s?.type === 'number'
        ? ['abc', '1e309', '-99999999999999999999', '99999999999999999999', '1.5.5']
        : s?.type === 'boolean'
          ? ['maybe']
          : s?.enum
            ? ['not-in-the-enum']
            : ['%00', 'x'.repeat(3000)];
    for (const v of values) {
      out.push({
        what: `bad query ${p.name}=${v.slice(0, 20)}`,
        method,
        path: `${url}?${p.name}=${v}`,
        headers: BODY_METHODS.has(method) ? json : undefined,
        body: BODY_METHODS.has(method) ? '{}' : undefined,
        expect: typed ? 'client' : 'not-500',
        auth: true,
      });
    }
  }
  out.push({
    what: 'an unknown query parameter',
    method,
    path: `${url}?__unknown__=1&limit=-1&offset=abc`,
    expect: 'not-500',
    auth: true,
    headers: BODY_METHODS.has(method) ? json : undefined,
    body: BODY_METHODS.has(method) ? '{}' : undefined,
  });
  return out;
}

describe.each(databaseKinds())('bad input to every route in /docs-json (%s)', (kind) => {
  let platform: TestPlatform;
  let adminAuth: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    adminAuth = (await platform.createUser({ roles: ['admin', 'developer'] })).auth.Authorization;
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('answers every bad request with a 4xx in the error shape, never a 500', async () => {
    const doc = (await platform.http().get('/docs-json')).body as OpenApiDoc;
    const requests: BadRequest[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        requests.push(...badRequestsFor(doc, path, method, op));
      }
    }
    expect(requests.length).toBeGreaterThan(20);

    const failures: string[] = [];
    for (const r of requests) {
      const headers: Record<string, string> = { accept: 'application/json', ...r.headers };
      if (r.auth === true) headers.authorization = adminAuth;
      if (r.auth === 'bogus') headers.authorization = 'Bearer eyJhbGciOiJub25lIn0.e30.';
      const res = await fetch(`${platform.url}${r.path}`, {
        method: r.method.toUpperCase(),
        headers,
        body: r.body,
        redirect: 'manual',
      });
      const text = await res.text();
      const label = `${r.method.toUpperCase()} ${r.path.slice(0, 80)} with ${r.what}: ${res.status}`;
      if (res.status >= 500) {
        failures.push(`${label} ${text.slice(0, 200)}`);
        continue;
      }
      const wanted =
        r.expect === 'client'
          ? res.status >= 400 && res.status < 500
          : r.expect === 'not-500'
            ? true
            : res.status === r.expect;
      if (!wanted) failures.push(`${label} (expected ${r.expect})`);
      if (res.status >= 400) {
        let body: { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = undefined;
        }
        const e = body?.error;
        if (
          !e ||
          typeof e.code !== 'string' ||
          typeof e.message !== 'string' ||
          !('details' in e)
        ) {
          failures.push(`${label} not in the error shape: ${text.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Hundreds of requests one at a time: slow on a loaded CI machine, not a hang.
  }, 180_000);
});
