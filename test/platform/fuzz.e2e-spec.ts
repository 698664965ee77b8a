import { randomUUID } from 'node:crypto';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

/**
 * An OpenAPI-driven fuzz: every documented route, as a developer and as an admin, gets hostile
 * bodies (deep nesting, huge arrays, duplicate and prototype keys, NUL bytes, wrong content
 * types) and odd path parameters. The bar: no 5xx, no dropped connection, every 4xx in the
 * error shape. Requests run a few at a time so the sweep stays well under a minute.
 */

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  $ref?: string;
  allOf?: Schema[];
}
interface Operation {
  parameters?: { name: string; in: string; schema?: Schema & { format?: string } }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Probe {
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Parsed before authentication, so one role is enough. */
  bodyCase?: boolean;
}

const BODY_METHODS = new Set(['post', 'put', 'patch']);
const CONCURRENCY = 8;

function resolve(doc: OpenApiDoc, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 10) return s;
  if (s.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.split('/').pop()!], depth + 1);
  if (s.allOf?.length) {
    const parts = s.allOf.map((p) => resolve(doc, p, depth + 1) ?? {});
    return { type: 'object', properties: Object.assign({}, ...parts.map((p) => p.properties)) };
  }
  return s;
}

function nested(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** Bodies built from the route's own fields where it has any, so the hostile part is reached. */
function hostileBodies(doc: OpenApiDoc, op: Operation): Array<[string, string]> {
  const schema = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
  const fields = Object.keys(schema?.properties ?? {});
  const first = fields[0] ?? 'name';
  const nul: Record<string, unknown> = {};
  for (const f of fields.length ? fields : ['name']) nul[f] = 'a\u0000b';
  return [
    ['an array nested 5000 deep', '['.repeat(5000) + ']'.repeat(5000)],
    ['an object nested 3000 deep', nested(3000)],
    [`${first} nested 40 deep`, `{"${first}":${nested(40)}}`],
    ['an unclosed deep body', '['.repeat(100000)],
    ['a huge array', `{"${first}":[${Array(25000).fill('0').join(',')}]}`],
    ['a huge object', `{${Array.from({ length: 21000 }, (_, i) => `"k${i}":0`).join(',')}}`],
    ['duplicate keys', `{"${first}":"a","${first}":"b"}`],
    ['__proto__', `{"__proto__":{"isAdmin":true,"roles":["admin"]},"${first}":"x"}`],
    ['constructor.prototype', `{"constructor":{"prototype":{"isAdmin":true}}}`],
    ['an escaped __proto__', `{"\\u005f_proto__":{"x":1}}`],
    ['NUL in every field', JSON.stringify(nul)],
    ['a lone surrogate', `{"${first}":"\\ud800"}`],
    ['a 1e400 number', `{"${first}":1e400}`],
  ];
}

const WRONG_TYPES: Array<[string, string]> = [
  ['text/plain', 'name=x'],
  ['application/x-www-form-urlencoded', '__proto__[admin]=1&name=a%00b&constructor=1'],
  [
    'multipart/form-data; boundary=zz',
    '--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--zz--',
  ],
  ['application/xml', '<a>b</a>'],
  ['application/json; charset=utf-16', '{"a":1}'],
  ['application/json', '\u0000\u0001\u0002'],
  ['application/octet-stream', '\u00ff\u00fe'],
];

const ODD_PARAMS = [
  'x'.repeat(8000),
  '%00',
  '%ff%fe',
  '%F0%9F%92%A9',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '1e999',
  '%E2%80%AE',
];

function fill(path: string, op: Operation, override?: [string, string]): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (override?.[0] === name) return override[1];
    const p = op.parameters?.find((x) => x.in === 'path' && x.name === name);
    return p?.schema?.format === 'uuid' || /id$/i.test(name) ? randomUUID() : 'fuzz';
  });
}

function probesFor(doc: OpenApiDoc, path: string, method: string, op: Operation): Probe[] {
  const url = fill(path, op);
  const out: Probe[] = [];
  if (BODY_METHODS.has(method)) {
    for (const [what, body] of hostileBodies(doc, op)) {
      out.push({
        what,
        method,
        path: url,
        headers: { 'content-type': 'application/json' },
        body,
        bodyCase: true,
      });
    }
    for (const [type, body] of WRONG_TYPES) {
      out.push({
        what: `a ${type} body`,
        method,
        path: url,
        headers: { 'content-type': type },
        body,
      });
    }
  }
  for (const p of op.parameters?.filter((x) => x.in === 'path') ?? []) {
    for (const v of ODD_PARAMS) {
      out.push({
        what: `path ${p.name}=${v.slice(0, 24)}`,
        method,
        path: fill(path, op, [p.name, v]),
        ...(BODY_METHODS.has(method)
          ? { headers: { 'content-type': 'application/json' }, body: '{}' }
          : {}),
      });
    }
  }
  for (const p of op.parameters?.filter((x) => x.in === 'query') ?? []) {
    for (const v of ['%00', '%ff', 'x'.repeat(6000), '{"a":1}']) {
      out.push({
        what: `query ${p.name}=${v.slice(0, 24)}`,
        method,
        path: `${url}?${p.name}=${v}`,
      });
    }
    out.push({ what: `query ${p.name} repeated`, method, path: `${url}?${p.name}=1&${p.name}=2` });
  }
  return out;
}

async function pool<T>(items: T[], n: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

describe.each(databaseKinds())('fuzzing every route in /docs-json (%s)', (kind) => {
  let platform: TestPlatform;
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    auth.developer = (await platform.createUser()).auth.Authorization;
    auth.admin = (await platform.createUser({ roles: ['admin', 'developer'] })).auth.Authorization;
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
  });

  it('answers no 5xx, drops no connection, and keeps every 4xx in the error shape', async () => {
    const doc = (await platform.http().get('/docs-json')).body as OpenApiDoc;
    const probes: Probe[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) {
          probes.push(...probesFor(doc, path, method, op));
        }
      }
    }
    const routes = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(routes).toBeGreaterThan(50);

    const failures: string[] = [];
    const seen = { total: 0, byClass: {} as Record<string, number> };
    const jobs = probes.flatMap((p) =>
      (p.bodyCase ? (['developer'] as const) : (['developer', 'admin'] as const)).map((as) => ({
        p,
        as,
      })),
    );
    const started = Date.now();
    await pool(jobs, CONCURRENCY, async ({ p, as }) => {
      const label = `${as} ${p.method.toUpperCase()} ${p.path.slice(0, 70)} with ${p.what}`;
      let res: Response;
      try {
        res = await fetch(`${platform.url}${p.path}`, {
          method: p.method.toUpperCase(),
          headers: { accept: 'application/json', authorization: auth[as]!, ...p.headers },
          body: p.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        failures.push(`${label}: connection failed (${(err as Error).message})`);
        return;
      }
      const text = await res.text().catch((err: Error) => {
        failures.push(`${label}: body cut off (${err.message})`);
        return '';
      });
      seen.total += 1;
      const cls = `${Math.floor(res.status / 100)}xx`;
      seen.byClass[cls] = (seen.byClass[cls] ?? 0) + 1;
      if (res.status >= 500) {
        failures.push(`${label}: ${res.status} ${text.slice(0, 160)}`);
        return;
      }
      if (res.status >= 400) {
        let e: { code?: unknown; message?: unknown } | undefined;
        try {
          e = (JSON.parse(text) as { error?: typeof e }).error;
        } catch {
          e = undefined;
        }
        if (
          !e ||
          typeof e.code !== 'string' ||
          typeof e.message !== 'string' ||
          !('details' in e)
        ) {
          failures.push(`${label}: ${res.status} not in the error shape: ${text.slice(0, 160)}`);
        }
      }
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `fuzz (${kind}): ${routes} routes, ${seen.total} requests in ${seconds.toFixed(1)} s, ${JSON.stringify(seen.byClass)}\n`,
    );
    expect(failures).toEqual([]);
    expect(seen.total).toBe(jobs.length);
    // The hostile bodies are refused as such, not by luck further down.
    expect(seen.byClass['4xx']).toBeGreaterThan(jobs.length / 2);
  }, 180_000);
});
