import * as fs from 'node:fs';
import * as os from 'node:os';
import { runCli } from '../../../test/support/cli-process';
import { ManualClock } from '@nanopod/common';
import * as path from 'node:path';
import { GatewayService, GatewayServiceRegistry, GatewaySyncService } from '@nanopod/gateway';
import { ApisixAdminFake } from '../../../test/fakes/apisix/apisix-admin-fake';
import { ApisixGatewayFake } from '../../../test/fakes/apisix/apisix-gateway-fake';
import { createServer } from 'node:net';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

const kind = process.env.DATABASE_URL ? 'postgres' : 'pglite';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A tiny seeded PRNG (mulberry32): a failing sequence is replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One platform (manual clock) in front of the fake APISIX Admin API: the sync, and the
 * forward-auth endpoint APISIX calls (its headers as the plugin sends them).
 */
describe(`gateway (${kind})`, () => {
  let fake: ApisixAdminFake;
  let gateway: ApisixGatewayFake;
  let authUrl: string;
  let platform: TestPlatform;
  let sync: GatewaySyncService;
  let admin: TestUser;
  const services: GatewayService[] = [];

  let clock: ManualClock;
  let client = 0;
  const nextClient = () => `203.0.113.${++client}`;
  const forwardAuth = (headers: Record<string, string>, method = 'GET') =>
    platform
      .http()
      .get('/gateway/auth')
      .set({
        'X-Forwarded-Method': method,
        'X-Forwarded-Uri': '/v1/me',
        'X-Forwarded-For': nextClient(),
        ...headers,
      });

  beforeAll(async () => {
    fake = await new ApisixAdminFake().start();
    gateway = await new ApisixGatewayFake(fake).start();
    // Known before start: APISIX's forward-auth must call this platform.
    const port = await freePort();
    authUrl = `http://127.0.0.1:${port}/gateway/auth`;
    platform = await startTestPlatform({
      kind,
      clock: 'manual',
      env: {
        NANOPOD_APISIX_ADMIN_URL: fake.url,
        NANOPOD_APISIX_ADMIN_KEY: fake.adminKey,
        NANOPOD_GATEWAY_PLATFORM_NODES: 'platform-1:8080,platform-2:8080',
        PORT: String(port),
        NANOPOD_GATEWAY_AUTH_URL: authUrl,
        // Passes run when a test asks; the loop's own tick stays out of the way.
        NANOPOD_GATEWAY_SYNC_MS: '600000',
      },
    });
    clock = platform.clock as ManualClock;
    sync = platform.app.get(GatewaySyncService);
    platform.app
      .get(GatewayServiceRegistry)
      .register({ listServices: () => Promise.resolve(structuredClone(services)) });
    admin = await platform.createUser({ roles: ['developer', 'admin'] });
    await sync.loop.runNow();
  });
  afterAll(async () => {
    await platform?.close();
    await gateway?.stop();
    await fake?.stop();
  });

  describe('sync to the APISIX Admin API', () => {
    const ids = (r: 'routes' | 'upstreams' | 'global_rules') => [...fake.state(r).keys()].sort();

    it('gives APISIX the platform upstream, the /v1, /auth and dashboard routes and prometheus; a second pass changes nothing', async () => {
      services.length = 0;
      await sync.syncOnce();
      expect(ids('upstreams')).toEqual(['nanopod-platform']);
      expect(ids('routes')).toEqual(['nanopod-api', 'nanopod-auth', 'nanopod-dashboard']);
      expect(ids('global_rules')).toEqual(['nanopod-prometheus']);
      expect(fake.state('upstreams').get('nanopod-platform')).toMatchObject({
        nodes: [
          { host: 'platform-1', port: 8080, weight: 1 },
          { host: 'platform-2', port: 8080, weight: 1 },
        ],
        checks: { active: { http_path: '/readyz' } },
        labels: { 'managed-by': 'nanopod' },
      });
      const api = fake.state('routes').get('nanopod-api')!;
      expect(api).toMatchObject({
        uri: '/v1/*',
        upstream_id: 'nanopod-platform',
        plugins: {
          'forward-auth': {
            uri: authUrl,
            request_headers: ['Authorization', 'X-Api-Key', 'Cookie'],
          },
          'limit-count': { rejected_code: 429 },
        },
      });
      expect(fake.state('global_rules').get('nanopod-prometheus')).toMatchObject({
        plugins: { prometheus: { prefer_name: true } },
      });
      const again = await sync.syncOnce();
      expect(again.applied).toEqual([]);
    });

    it('limits each tier of gateway.rego with its own limit-count rule, keyed on the header forward-auth sets', async () => {
      const rules = (fake.state('routes').get('nanopod-api')!.plugins as any)['limit-count'].rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          { count: 30, time_window: 60, key: '$http_x_nanopod_limit_anonymous' },
          { count: 300, time_window: 60, key: '$http_x_nanopod_limit_read_only' },
          { count: 600, time_window: 60, key: '$http_x_nanopod_limit_developer' },
          { count: 6000, time_window: 60, key: '$http_x_nanopod_limit_admin' },
        ]),
      );
      const upstreamHeaders = (fake.state('routes').get('nanopod-api')!.plugins as any)[
        'forward-auth'
      ].upstream_headers;
      expect(upstreamHeaders).toEqual(
        expect.arrayContaining([
          'X-User-Id',
          'X-Nanopod-Limit-Developer',
          'X-Nanopod-Limit-Read-Only',
        ]),
      );
    });

    it('follows a newly activated gateway.rego: the developer tier limit changes at the next pass', async () => {
      const source = fs
        .readFileSync(path.join(__dirname, '../../../policies/gateway.rego'), 'utf8')
        .replace('"developer": 600', '"developer": 900');
      const draft = await platform
        .http()
        .post('/v1/policies/gateway/versions')
        .set({ Authorization: admin.auth.Authorization, 'Content-Type': 'application/json' })
        .send({ source, tests: null });
      expect(draft.status).toBe(201);
      const act = await platform
        .http()
        .post(`/v1/policies/gateway/versions/${draft.body.version}/activate`)
        .set({ Authorization: admin.auth.Authorization, 'Content-Type': 'application/json' })
        .send({ message: 'more for developers' });
      expect(act.status).toBe(200);
      const report = await sync.syncOnce();
      expect(report.applied.map((o) => `${o.kind} ${o.resource}/${o.id}`)).toContain(
        'put routes/nanopod-api',
      );
      const rules = (fake.state('routes').get('nanopod-api')!.plugins as any)['limit-count'].rules;
      expect(rules).toContainEqual({
        count: 900,
        time_window: 60,
        key: '$http_x_nanopod_limit_developer',
      });
    });

    it('repairs drift: a changed plugin, a deleted route and an added plugin come back; an operator route stays; a stale object of ours goes', async () => {
      fake.tamper('routes', 'nanopod-api', (v) => {
        (v.plugins as any)['forward-auth'].uri = 'http://evil/auth';
      });
      fake.tamper('routes', 'nanopod-dashboard', null);
      fake.tamper('routes', 'nanopod-auth', (v) => {
        (v.plugins as any)['proxy-rewrite'] = { uri: '/elsewhere' };
      });
      fake.seed('routes', 'operator-route', { uri: '/status', upstream_id: 'nanopod-platform' });
      fake.seed('upstreams', 'nanopod-svc-gone', {
        nodes: [{ host: '10.9.9.9', port: 1, weight: 1 }],
        labels: { 'managed-by': 'nanopod' },
      });
      const report = await sync.syncOnce();
      expect(report.applied.map((o) => `${o.kind} ${o.resource}/${o.id}`).sort()).toEqual([
        'delete upstreams/nanopod-svc-gone',
        'put routes/nanopod-api',
        'put routes/nanopod-auth',
        'put routes/nanopod-dashboard',
      ]);
      expect((fake.state('routes').get('nanopod-api')!.plugins as any)['forward-auth'].uri).toBe(
        authUrl,
      );
      expect(Object.keys(fake.state('routes').get('nanopod-auth')!.plugins as object)).toEqual([
        'limit-count',
      ]);
      expect(ids('routes')).toContain('operator-route');
      expect((await sync.syncOnce()).applied).toEqual([]);
    });

    it('keeps failing passes harmless: APISIX down, then the next pass converges', async () => {
      fake.tamper('routes', 'nanopod-api', null);
      fake.failNext(1, 503);
      await expect(sync.syncOnce()).rejects.toThrow(/503/);
      const report = await sync.syncOnce();
      expect(report.applied).toEqual([
        expect.objectContaining({ kind: 'put', resource: 'routes', id: 'nanopod-api' }),
      ]);
    });

    it('random sequences of key and service changes leave APISIX as the platform expects and every key answering as it should', async () => {
      const seed = Number(process.env.GATEWAY_PROPERTY_SEED ?? Date.now() % 100000);
      const rand = prng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const keys: Array<{ user: TestUser; live: boolean; keyId: string }> = [];
      // One client address per check: the guessing guard (429) is another test's business.
      const auth = (token: string, client: string) =>
        platform
          .http()
          .get('/gateway/auth')
          .set({ Authorization: `Bearer ${token}`, 'X-Forwarded-For': client });
      let serial = 0;
      services.length = 0;
      fake.seed('routes', 'operator-route', { uri: '/status', upstream_id: 'nanopod-platform' });
      for (let step = 0; step < 20; step++) {
        const op = pick(['key', 'key', 'revoke', 'service', 'update', 'remove', 'tamper']);
        if (op === 'key') {
          const user = await platform.createUser();
          const me = await platform.http().get('/v1/api-keys').set(user.auth);
          keys.push({ user, live: true, keyId: me.body.data?.[0]?.id ?? me.body[0]?.id });
        } else if (op === 'revoke' && keys.some((k) => k.live)) {
          const k = pick(keys.filter((x) => x.live));
          const res = await platform.http().delete(`/v1/api-keys/${k.keyId}`).set(k.user.auth);
          expect(res.status).toBeLessThan(300);
          k.live = false;
        } else if (op === 'service') {
          serial++;
          services.push({
            id: `s${serial}`,
            name: `svc-${serial}`,
            nodes: Array.from({ length: Math.floor(rand() * 3) }, (_, i) => ({
              host: `10.1.${serial}.${i + 1}`,
              port: 8000 + i,
            })),
            readinessPath: '/health',
          });
        } else if (op === 'update' && services.length > 0) {
          const s = pick(services);
          s.nodes = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => ({
            host: `10.2.${Math.floor(rand() * 200)}.${i + 1}`,
            port: 9000,
            weight: 1 + Math.floor(rand() * 5),
          }));
        } else if (op === 'remove' && services.length > 0) {
          services.splice(Math.floor(rand() * services.length), 1);
        } else if (op === 'tamper') {
          const routeIds = [...fake.state('routes').keys()].filter((id) =>
            id.startsWith('nanopod-'),
          );
          const id = pick(routeIds);
          if (rand() < 0.5) fake.tamper('routes', id, null);
          else fake.tamper('routes', id, (v) => void (v.priority = 99));
        }
        await sync.syncOnce();

        // APISIX holds exactly our objects (plus the operator's route), with the platform's values.
        const expectedServiceIds = services.map((s) => `nanopod-svc-${s.id}`).sort();
        expect(ids('upstreams')).toEqual(['nanopod-platform', ...expectedServiceIds].sort());
        expect(ids('routes')).toEqual(
          [
            'nanopod-api',
            'nanopod-auth',
            'nanopod-dashboard',
            'operator-route',
            ...expectedServiceIds,
          ].sort(),
        );
        for (const s of services) {
          const up = fake.state('upstreams').get(`nanopod-svc-${s.id}`)!;
          expect(up.nodes).toEqual(
            s.nodes.map((n) => ({
              host: n.host,
              port: n.port,
              weight: n.weight ?? 1,
              priority: 0,
            })),
          );
          expect(up.checks).toMatchObject({ active: { http_path: '/health' } });
          const route = fake.state('routes').get(`nanopod-svc-${s.id}`)!;
          expect(route).toMatchObject({
            uri: `/services/${s.name}/*`,
            priority: 20,
            upstream_id: `nanopod-svc-${s.id}`,
            plugins: { 'proxy-rewrite': { regex_uri: [`^/services/${s.name}/(.*)`, '/$1'] } },
          });
        }
        expect(fake.state('routes').get('nanopod-api')!.priority).toBe(10);
        // Keys are checked by the platform on every request (forward-auth), never pushed.
        for (const [i, k] of keys.entries()) {
          const res = await auth(k.user.apiKey, `10.${step}.${i}.1`);
          expect([seed, step, res.status, res.status === 503 ? res.text : '']).toEqual([
            seed,
            step,
            k.live ? 200 : 401,
            '',
          ]);
        }
      }
      expect(fake.credentialsOf('any').size).toBe(0);
    });

    it('serves the standalone apisix.yaml ending with #END, and POST /v1/gateway/sync reports the repairs', async () => {
      const yaml = await platform
        .http()
        .get('/v1/gateway/config?format=apisix-yaml')
        .set(admin.auth);
      expect(yaml.status).toBe(200);
      expect(yaml.headers['content-type']).toMatch(/yaml/);
      expect(yaml.text.endsWith('#END\n')).toBe(true);
      expect(yaml.text).toMatch(/^routes:/m);
      expect(yaml.text).toContain('id: nanopod-api');
      fake.tamper('global_rules', 'nanopod-prometheus', null);
      const res = await platform.http().post('/v1/gateway/sync').set(admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.changes).toEqual([
        { kind: 'put', resource: 'global_rules', id: 'nanopod-prometheus' },
      ]);
      const bad = await platform.http().get('/v1/gateway/config?format=xml').set(admin.auth);
      expect(bad.status).toBe(400);
      const dev = await platform.createUser();
      expect((await platform.http().post('/v1/gateway/sync').set(dev.auth)).status).toBe(403);
    });
    it('nanopod gateway export writes apisix.yaml, complete (#END) and in place', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanopod-gw-export-'));
      try {
        const file = path.join(dir, 'apisix.yaml');
        const run = await runCli(['gateway', 'export', '-o', file], {
          NANOPOD_URL: platform.url,
          NANOPOD_API_KEY: admin.apiKey,
        }).done;
        expect([run.code, run.stderr]).toEqual([0, '']);
        expect(run.stdout).toBe(`wrote ${file}\n`);
        const text = fs.readFileSync(file, 'utf8');
        expect(text.endsWith('#END\n')).toBe(true);
        expect(text).toContain('id: nanopod-api');
        expect(fs.readdirSync(dir)).toEqual(['apisix.yaml']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('through the gateway (the fake data plane applying the synced plugins)', () => {
    beforeAll(async () => {
      services.length = 0;
      await sync.syncOnce();
    });
    const call = async (p: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${gateway.url}${p}`, { headers });
      const text = await r.text();
      return {
        status: r.status,
        headers: r.headers,
        body: text ? (JSON.parse(text) as any) : null,
      };
    };

    it('a revoked key stops working at the gateway within 2 seconds', async () => {
      const dev = await platform.createUser();
      const ok = await call('/v1/me', dev.auth);
      expect(ok.status).toBe(200);
      expect(ok.body.route).toBe('nanopod-api');
      expect(ok.body.upstream_headers['x-user-id']).toBe(dev.id);
      const keys = await platform.http().get('/v1/api-keys').set(dev.auth);
      const revokedAt = Date.now();
      await platform.http().delete(`/v1/api-keys/${keys.body.data[0].id}`).set(dev.auth);
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 2000)
        status = (await call('/v1/me', dev.auth)).status;
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(2000);
      const refused = await call('/v1/me', dev.auth);
      expect(refused.body.error.code).toBe('gateway.credential_invalid');
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="nanopod"');
    });

    it('strips identity headers a client sends itself', async () => {
      const res = await call('/v1/me', {
        'X-User-Id': 'someone-else',
        'X-Nanopod-Limit-Admin': 'x',
      });
      expect(res.status).toBe(200);
      expect(res.body.upstream_headers['x-user-id']).toBeUndefined();
      expect(res.body.upstream_headers['x-nanopod-limit-admin']).toBeUndefined();
      expect(res.body.upstream_headers['x-nanopod-tier']).toBe('anonymous');
    });

    it("counts each caller against its own tier's limit: anonymous callers get 30 a minute, a developer is unaffected", async () => {
      const dev = await platform.createUser();
      let last = 0;
      for (let i = 0; i < 31; i++) last = (await call('/v1/healthz-anything')).status;
      expect(last).toBe(429);
      const limited = await call('/v1/healthz-anything');
      expect(limited.body).toEqual({ error_msg: 'rate limit of your tier exceeded' });
      expect((await call('/v1/me', dev.auth)).status).toBe(200);
    });
  });

  describe('forward-auth endpoint', () => {
    it('answers 200 with the identity headers and the header of the caller’s gateway.rego tier', async () => {
      const dev = await platform.createUser();
      const res = await forwardAuth(dev.auth);
      expect(res.status).toBe(200);
      expect(res.headers['x-user-id']).toBe(dev.id);
      expect(res.headers['x-user-login']).toBe(dev.githubLogin);
      expect(res.headers['x-credential-kind']).toBe('api_key');
      expect(res.headers['x-api-key-id']).toMatch(/./);
      expect(res.headers['x-nanopod-tier']).toBe('developer');
      expect(res.headers['x-nanopod-limit-developer']).toBe(`user:${dev.id}`);
      expect(res.headers['x-nanopod-limit-admin']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
      // The key may also come as X-Api-Key, as the platform accepts it.
      const viaHeader = await forwardAuth({ 'X-Api-Key': dev.apiKey });
      expect(viaHeader.headers['x-user-id']).toBe(dev.id);
    });

    it('puts admins and read-only keys in their tiers, and refuses a change with a read-only key (403)', async () => {
      const admin = await platform.createUser({ roles: ['developer', 'admin'] });
      expect((await forwardAuth(admin.auth)).headers['x-nanopod-tier']).toBe('admin');
      const reader = await platform.createUser({ scopes: ['read'] });
      const read = await forwardAuth(reader.auth);
      expect(read.headers['x-nanopod-tier']).toBe('read_only');
      expect(read.headers['x-nanopod-limit-read-only']).toBe(`user:${reader.id}`);
      const write = await forwardAuth(reader.auth, 'POST');
      expect(write.status).toBe(403);
      expect(write.body.error.code).toBe('gateway.scope_missing');
    });

    it('lets a caller without credentials through in the anonymous tier, limited per client address', async () => {
      const res = await platform
        .http()
        .get('/gateway/auth')
        .set({ 'X-Forwarded-For': '192.0.2.44, 10.0.0.1', 'X-Forwarded-Method': 'GET' });
      expect(res.status).toBe(200);
      expect(res.headers['x-nanopod-tier']).toBe('anonymous');
      expect(res.headers['x-nanopod-limit-anonymous']).toBe('ip:192.0.2.44');
      expect(res.headers['x-user-id']).toBeUndefined();
    });

    it('refuses an unknown key with 401, the error shape and WWW-Authenticate', async () => {
      const res = await forwardAuth({
        Authorization: `Bearer npk_AAAAAAAAAAAA_${'x'.repeat(43)}`,
      });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="nanopod"');
      expect(res.body.error.code).toBe('gateway.credential_invalid');
    });

    it('refuses a revoked key at once (well within 2 seconds), though it was just accepted', async () => {
      const dev = await platform.createUser();
      expect((await forwardAuth(dev.auth)).status).toBe(200);
      const keys = await platform.http().get('/v1/api-keys').set(dev.auth);
      const started = Date.now();
      const revoked = await platform
        .http()
        .delete(`/v1/api-keys/${keys.body.data[0].id}`)
        .set(dev.auth);
      expect(revoked.status).toBe(200);
      const after = await forwardAuth(dev.auth);
      expect(after.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('answers 429 with Retry-After to an address that keeps presenting bad keys, and forgets it after a minute', async () => {
      const bad = { Authorization: `Bearer npk_BBBBBBBBBBBB_${'y'.repeat(43)}` };
      const from = { 'X-Forwarded-For': '198.51.100.99' };
      for (let i = 0; i < 20; i++) {
        expect((await forwardAuth({ ...bad, ...from })).status).toBe(401);
      }
      const limited = await forwardAuth({ ...bad, ...from });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('gateway.too_many_failures');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const dev = await platform.createUser();
      expect((await forwardAuth({ ...dev.auth, 'X-Forwarded-For': '198.51.100.100' })).status).toBe(
        200,
      );
      clock.advance(60_000);
      expect((await forwardAuth({ ...bad, ...from })).status).toBe(401);
    });
  });
});
