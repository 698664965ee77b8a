import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { check, Schema } from './apisix-schema';
import {
  consumerSchema,
  credentialSchema,
  globalRuleSchema,
  pluginSchemas,
  routeSchema,
  upstreamSchema,
} from './apisix-schemas';

/**
 * A faithful fake of the APISIX 3.x Admin API (../shared/reference/apisix.md) for the resources
 * Nanopod uses: routes, upstreams, global_rules, consumers and their credentials. It checks
 * `X-API-KEY`, validates objects and plugin configurations (unknown fields and plugins refused
 * with APISIX's `error_msg` shapes), stores defaults as APISIX does, refuses routes that name a
 * missing upstream and upstreams still in use, and answers in the v3 envelope (`key`/`value`,
 * `total`/`list`, `createdIndex`/`modifiedIndex`).
 *
 * Test handles: `state()` (what is stored), `tamper()` (change an object behind the
 * platform's back), `failNext(n, status)`, `requests` (every call made).
 */
export interface StoredEntry {
  value: Record<string, unknown>;
  createdIndex: number;
  modifiedIndex: number;
}

type Resource = 'routes' | 'upstreams' | 'global_rules' | 'consumers';
const RESOURCES: Record<Resource, Schema> = {
  routes: routeSchema,
  upstreams: upstreamSchema,
  global_rules: globalRuleSchema,
  consumers: consumerSchema,
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(JSON.stringify(body));
  }
}

export class ApisixAdminFake {
  readonly adminKey = `edd1c9f0${randomUUID().replace(/-/g, '')}`;
  readonly requests: { method: string; path: string; status: number }[] = [];
  url = '';
  /** Plugin fields APISIX would ignore are refused too (catches typos in our configs). */
  strictPlugins = true;
  private readonly store: Record<Resource, Map<string, StoredEntry>> = {
    routes: new Map(),
    upstreams: new Map(),
    global_rules: new Map(),
    consumers: new Map(),
  };
  private readonly credentials = new Map<string, Map<string, StoredEntry>>();
  private index = 1000;
  private failures = { remaining: 0, status: 503 };
  private server: Server | null = null;
  private nowS = () => Math.floor(Date.now() / 1000);

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server = null;
  }

  /** The stored objects of a resource by id (values as a GET returns them). */
  state(resource: Resource): Map<string, Record<string, unknown>> {
    return new Map([...this.store[resource]].map(([k, e]) => [k, structuredClone(e.value)]));
  }

  credentialsOf(username: string): Map<string, Record<string, unknown>> {
    const m = this.credentials.get(username) ?? new Map<string, StoredEntry>();
    return new Map([...m].map(([k, e]) => [k, structuredClone(e.value)]));
  }

  /** Changes (or with `null`, deletes) a stored object directly, as an operator or etcd would. */
  tamper(resource: Resource, id: string, change: ((v: Record<string, unknown>) => void) | null) {
    if (change === null) {
      this.store[resource].delete(id);
      return;
    }
    const e = this.store[resource].get(id);
    if (!e) throw new Error(`no ${resource}/${id}`);
    change(e.value);
    e.modifiedIndex = ++this.index;
  }

  /** Puts an object that is not the platform's (an operator's route), bypassing validation. */
  seed(resource: Resource, id: string, value: Record<string, unknown>): void {
    this.store[resource].set(id, {
      value: { id, ...value },
      createdIndex: ++this.index,
      modifiedIndex: this.index,
    });
  }

  failNext(n: number, status = 503): void {
    this.failures = { remaining: n, status };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let status = 200;
    let body: unknown;
    try {
      const raw = await readBody(req);
      [status, body] = this.route(req.method ?? 'GET', url, req.headers['x-api-key'], raw);
    } catch (err) {
      if (err instanceof HttpError) [status, body] = [err.status, err.body];
      else [status, body] = [500, { error_msg: (err as Error).message }];
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status });
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-API-VERSION': 'v3' });
    res.end(JSON.stringify(body));
  }

  private route(method: string, url: URL, key: unknown, raw: string): [number, unknown] {
    if (key === undefined) {
      throw new HttpError(401, {
        error_msg: 'failed to check token',
        description: 'missing apikey',
      });
    }
    if (key !== this.adminKey) {
      throw new HttpError(401, { error_msg: 'failed to check token', description: 'wrong apikey' });
    }
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      throw new HttpError(this.failures.status, { error_msg: 'etcd unavailable' });
    }
    const parts = url.pathname
      .replace(/^\/apisix\/admin\/?/, '')
      .split('/')
      .filter(Boolean);
    if (!url.pathname.startsWith('/apisix/admin') || parts.length === 0) {
      throw new HttpError(404, { error_msg: 'not found' });
    }
    const [type, id, sub, subId] = parts;
    if (type === 'consumers' && id && sub === 'credentials') {
      return this.credential(method, id, subId, raw);
    }
    if (!(type in RESOURCES))
      throw new HttpError(404, { error_msg: `Unsupported resource type: ${type}` });
    const resource = type as Resource;
    if (method === 'GET' && !id) return this.list(resource, url);
    if (method === 'GET') return this.getOne(resource, id);
    if (method === 'PUT') {
      const obj = parseJson(raw);
      const objId = resource === 'consumers' ? String(obj.username ?? '') : id;
      if (!objId) throw new HttpError(400, { error_msg: 'missing id' });
      return this.put(resource, objId, obj);
    }
    if (method === 'DELETE' && id)
      return this.remove(resource, id, url.searchParams.get('force') === 'true');
    throw new HttpError(405, { error_msg: `not supported method ${method}` });
  }

  private list(resource: Resource, url: URL): [number, unknown] {
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = Number(url.searchParams.get('page_size') ?? 0);
    if (url.searchParams.has('page_size') && (!(size >= 10) || size > 500)) {
      throw new HttpError(400, { error_msg: 'page_size must be between 10 and 500' });
    }
    const all = [...this.store[resource]].map(([k, e]) => ({
      key: `/apisix/${resource}/${k}`,
      value: structuredClone(e.value),
      createdIndex: e.createdIndex,
      modifiedIndex: e.modifiedIndex,
    }));
    const slice = size ? all.slice((page - 1) * size, page * size) : all;
    return [200, { total: all.length, list: slice }];
  }

  private getOne(resource: Resource, id: string): [number, unknown] {
    const e = this.store[resource].get(id);
    if (!e) throw new HttpError(404, { message: 'Key not found' });
    return [
      200,
      {
        key: `/apisix/${resource}/${id}`,
        value: e.value,
        createdIndex: e.createdIndex,
        modifiedIndex: e.modifiedIndex,
      },
    ];
  }

  private put(resource: Resource, id: string, obj: Record<string, unknown>): [number, unknown] {
    if (resource !== 'consumers') {
      const idErr = check(routeSchema.properties!.id, id);
      if (idErr)
        throw new HttpError(400, {
          error_msg: `invalid configuration: property "id" validation failed: ${idErr}`,
        });
      if (obj.id !== undefined && obj.id !== id) {
        throw new HttpError(400, { error_msg: `wrong ${resource.replace(/s$/, '')} id` });
      }
      obj.id = id;
    }
    const err = check(RESOURCES[resource], obj);
    if (err) throw new HttpError(400, { error_msg: `invalid configuration: ${err}` });
    if (resource === 'routes') this.checkRoute(obj);
    if (obj.plugins)
      this.checkPlugins(obj.plugins as Record<string, unknown>, resource === 'consumers');
    const existing = this.store[resource].get(id);
    const now = this.nowS();
    obj.create_time = (existing?.value.create_time as number | undefined) ?? now;
    obj.update_time = now;
    const entry = {
      value: obj,
      createdIndex: existing?.createdIndex ?? ++this.index,
      modifiedIndex: ++this.index,
    };
    this.store[resource].set(id, entry);
    return [existing ? 200 : 201, { key: `/apisix/${resource}/${id}`, value: obj }];
  }

  private checkRoute(obj: Record<string, unknown>): void {
    if (
      !obj.plugins &&
      !obj.upstream &&
      !obj.upstream_id &&
      !obj.service_id &&
      !obj.plugin_config_id
    ) {
      throw new HttpError(400, {
        error_msg: 'invalid configuration: value should match only one schema, but matches none',
      });
    }
    if (typeof obj.upstream_id === 'string' && !this.store.upstreams.has(obj.upstream_id)) {
      throw new HttpError(400, {
        error_msg: `failed to fetch upstream info by upstream id [${obj.upstream_id}], response code: 404`,
      });
    }
  }

  private checkPlugins(plugins: Record<string, unknown>, onConsumer: boolean): void {
    for (const [name, conf] of Object.entries(plugins)) {
      const def = pluginSchemas[name];
      if (!def) throw new HttpError(400, { error_msg: `unknown plugin [${name}]` });
      const base = onConsumer && def.consumer ? def.consumer : def.route;
      const schema = this.strictPlugins ? { ...base, additionalProperties: false } : base;
      const fail = (msg: string) =>
        new HttpError(400, {
          error_msg: `failed to check the configuration of plugin ${name} err: ${msg}`,
        });
      const err = check(schema, conf);
      if (err) throw fail(err);
      const c = conf as Record<string, unknown>;
      if (name === 'limit-count' && Array.isArray(c.rules)) {
        const seen = new Set<string>();
        for (const r of c.rules as Array<{ key: string }>) {
          if (seen.has(r.key)) throw fail(`duplicate key '${r.key}' in rules`);
          seen.add(r.key);
        }
      }
      if (name === 'proxy-rewrite' && Array.isArray(c.regex_uri)) {
        if (c.regex_uri.length % 2 !== 0)
          throw fail('The length of regex_uri should be an even number');
        try {
          new RegExp(String(c.regex_uri[0]));
        } catch {
          throw fail(`invalid regex_uri: ${String(c.regex_uri[0])}`);
        }
      }
    }
  }

  private remove(resource: Resource, id: string, force: boolean): [number, unknown] {
    if (!this.store[resource].has(id)) throw new HttpError(404, { message: 'Key not found' });
    if (resource === 'upstreams' && !force) {
      for (const [routeId, e] of this.store.routes) {
        if (e.value.upstream_id === id) {
          throw new HttpError(400, {
            error_msg: `can not delete this upstream, route [${routeId}] is still using it now`,
          });
        }
      }
    }
    this.store[resource].delete(id);
    if (resource === 'consumers') this.credentials.delete(id);
    return [200, { deleted: '1', key: `/apisix/${resource}/${id}` }];
  }

  private credential(
    method: string,
    username: string,
    id: string | undefined,
    raw: string,
  ): [number, unknown] {
    const keyOf = (cid: string) => `/apisix/consumers/${username}/credentials/${cid}`;
    const creds = this.credentials.get(username) ?? new Map<string, StoredEntry>();
    if (method === 'GET' && !id) {
      const list = [...creds].map(([k, e]) => ({
        key: keyOf(k),
        value: e.value,
        createdIndex: e.createdIndex,
        modifiedIndex: e.modifiedIndex,
      }));
      return [200, { total: list.length, list }];
    }
    if (!id) throw new HttpError(405, { error_msg: `not supported method ${method}` });
    if (method === 'GET') {
      const e = creds.get(id);
      if (!e) throw new HttpError(404, { message: 'Key not found' });
      return [200, { key: keyOf(id), value: e.value }];
    }
    if (method === 'DELETE') {
      if (!creds.delete(id)) throw new HttpError(404, { message: 'Key not found' });
      return [200, { deleted: '1', key: keyOf(id) }];
    }
    if (method !== 'PUT') throw new HttpError(405, { error_msg: `not supported method ${method}` });
    if (!this.store.consumers.has(username))
      throw new HttpError(404, { error_msg: 'consumer not found' });
    const obj = parseJson(raw);
    obj.id = id;
    const err = check(credentialSchema, obj);
    if (err) throw new HttpError(400, { error_msg: `invalid configuration: ${err}` });
    const plugins = (obj.plugins ?? {}) as Record<string, unknown>;
    const auth = Object.keys(plugins).filter((p) => pluginSchemas[p]?.auth);
    if (auth.length !== 1 || Object.keys(plugins).length !== 1) {
      throw new HttpError(400, {
        error_msg: 'invalid configuration: only one auth plugin is allowed in a credential',
      });
    }
    this.checkPlugins(plugins, true);
    const existing = creds.get(id);
    const now = this.nowS();
    obj.create_time = (existing?.value.create_time as number | undefined) ?? now;
    obj.update_time = now;
    creds.set(id, {
      value: obj,
      createdIndex: existing?.createdIndex ?? ++this.index,
      modifiedIndex: ++this.index,
    });
    this.credentials.set(username, creds);
    return [existing ? 200 : 201, { key: keyOf(id), value: obj }];
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new HttpError(400, { error_msg: `invalid request body: ${(err as Error).message}` });
  }
}
