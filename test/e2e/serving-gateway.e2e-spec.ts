import { createServer } from 'node:net';
import { GatewaySyncService } from '@nanopod/gateway';
import { ApisixAdminFake } from '../fakes/apisix/apisix-admin-fake';
import { ApisixGatewayFake } from '../fakes/apisix/apisix-gateway-fake';
import {
  ServingFixture,
  specYaml,
  startServingFixture,
} from '../../libs/serving/test/support/serving-fixture';
import { sandboxesRunHere } from './support/node-agent-process';

const SERVICE = 'gwecho';

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

/**
 * A served model behind APISIX: the platform publishes each live service as a route
 * `/services/<name>/*` and an upstream of its READY replicas (health-checked on the readiness
 * path), in the fake APISIX Admin API; the upstream follows the replicas, and goes with the
 * service.
 */
(sandboxesRunHere() ? describe : describe.skip)('serving behind the gateway', () => {
  let admin: ApisixAdminFake;
  let gateway: ApisixGatewayFake;
  let f: ServingFixture;
  let sync: GatewaySyncService;

  beforeAll(async () => {
    admin = await new ApisixAdminFake().start();
    gateway = await new ApisixGatewayFake(admin).start();
    // Known before start: APISIX's forward-auth calls this platform.
    const port = await freePort();
    f = await startServingFixture({
      env: {
        PORT: String(port),
        NANOPOD_GATEWAY_AUTH_URL: `http://127.0.0.1:${port}/gateway/auth`,
        NANOPOD_APISIX_ADMIN_URL: admin.url,
        NANOPOD_APISIX_ADMIN_KEY: admin.adminKey,
        NANOPOD_GATEWAY_PLATFORM_NODES: 'platform-1:8080',
        // Passes run when the test asks.
        NANOPOD_GATEWAY_SYNC_MS: '600000',
      },
    });
    sync = f.platform.app.get(GatewaySyncService);
  }, 120_000);

  afterAll(async () => {
    await f?.close();
    await gateway?.stop();
    await admin?.stop();
  });

  const serviceObjects = () =>
    [...admin.state('upstreams').values()].filter(
      (u) => (u.labels as Record<string, string>)['nanopod-service'] !== undefined,
    );

  it('publishes a service with its READY replica as an upstream and a route, and removes both when it goes down', async () => {
    const up = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({ name: SERVICE, spec: specYaml('readiness_probe: /health\nreplicas: 1') });
    expect(up.status).toBe(201);
    const id = up.body.id as string;

    // Before any replica is READY: the route exists, its upstream has no node yet.
    await sync.syncOnce();
    expect(serviceObjects()).toEqual([
      expect.objectContaining({
        nodes: [],
        checks: expect.objectContaining({
          active: expect.objectContaining({ http_path: '/health' }),
        }),
      }),
    ]);

    await f.until('a READY replica', async () => (await f.status(SERVICE)).ready_replicas === 1);
    // No pass asked for: the replica turning READY asks the gateway for a sync by itself.
    const deadline = Date.now() + 10_000;
    while ((serviceObjects()[0]?.nodes as unknown[]).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const [upstream] = serviceObjects();
    expect(upstream.labels).toMatchObject({ 'nanopod-service': id });
    const nodes = upstream.nodes as Array<{ host: string; port: number }>;
    expect(nodes).toHaveLength(1);
    // The node is the replica itself: it answers on that address.
    const direct = await fetch(`http://${nodes[0].host}:${nodes[0].port}/hello`);
    expect(await direct.text()).toContain('replica v1 GET /hello');
    const route = [...admin.state('routes').values()].find(
      (r) => r.uri === `/services/${SERVICE}/*`,
    );
    expect(route).toMatchObject({ upstream_id: upstream.id });
    // APISIX matches the service's path to that route (the fake answers with the route id).
    const through = await fetch(`${gateway.url}/services/${SERVICE}/hello`, {
      headers: { authorization: `Bearer ${f.alice.apiKey}` },
    });
    const answer = await through.text();
    expect({ status: through.status, answer }).toMatchObject({ status: 200 });
    expect(answer).toContain(String(route!.id));

    const down = await f.platform.http().delete(`/v1/services/${SERVICE}`).set(f.alice.auth);
    expect(down.status).toBe(200);
    await f.until(
      'the service gone',
      async () =>
        (await f.platform.http().get('/v1/services').set(f.alice.auth)).body.data.length === 0,
    );
    await sync.syncOnce();
    expect(serviceObjects()).toEqual([]);
    expect(
      [...admin.state('routes').values()].some((r) => r.uri === `/services/${SERVICE}/*`),
    ).toBe(false);
  }, 120_000);
});
