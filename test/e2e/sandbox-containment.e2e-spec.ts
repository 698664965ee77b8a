import type WebSocket from 'ws';
import type { EnrollResponse, NodeContainment, SandboxSpec } from '@nanopod/federation';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { connectFakeAgent, fakeInventory, FULL_CONTAINMENT } from './support/fake-agent';
import { fund } from './support/node-agent-process';

/**
 * The platform places a sandbox only on a node whose agent says it can contain it: an egress
 * sandbox needs its own network namespace, every bwrap sandbox the memory and pids cgroups.
 * Nodes with room that cannot contain it answer 409 `sandbox.uncontainable`, never a start.
 * The agents are the shared fake agent (test/e2e/support/fake-agent.ts), recording every start.
 */
const FULL = FULL_CONTAINMENT;

describe.each(databaseKinds())(
  'sandbox placement refuses what a node cannot contain on %s',
  (kind) => {
    let platform: TestPlatform;
    let admin: TestUser;
    let dev: TestUser;
    let partnerId: string;
    const agents: WebSocket[] = [];
    const starts: SandboxSpec[] = [];

    beforeAll(async () => {
      platform = await startTestPlatform({ kind });
      admin = await platform.createUser({ roles: ['admin', 'developer'] });
      dev = await platform.createUser();
      await fund(platform, admin, dev);
      const partner = await platform
        .http()
        .post('/v1/partners')
        .set(admin.auth)
        .send({ name: `containment-${kind}` });
      expect(partner.status).toBe(201);
      partnerId = partner.body.id as string;
    }, 60000);

    afterAll(async () => {
      for (const ws of agents) ws.close();
      await platform?.close();
    });

    async function node(name: string, containment: NodeContainment | undefined): Promise<string> {
      const tok = await platform
        .http()
        .post(`/v1/partners/${partnerId}/enrollment-tokens`)
        .set(admin.auth)
        .send({});
      const res = await platform
        .http()
        .post('/v1/agent/enroll')
        .send({
          token: tok.body.token,
          name,
          inventory: fakeInventory(containment ? { containment } : {}),
        });
      expect(res.status).toBe(201);
      const enrolled = res.body as EnrollResponse;
      agents.push(
        await connectFakeAgent(platform.url, enrolled, 0, (msg) => {
          if (msg.type === 'sandbox.start') starts.push(msg.spec);
        }),
      );
      return enrolled.node_id;
    }

    const create = (network: 'none' | 'egress') =>
      platform
        .http()
        .post('/v1/sandboxes')
        .set(dev.auth)
        .send({ ttl_seconds: 300, network, resources: { cpu: 1, memory_mb: 256 } });

    const remove = (id: string) => platform.http().delete(`/v1/sandboxes/${id}`).set(dev.auth);

    // Nodes are added one per test, weakest first: each test sees the ones before it too.
    it('refuses egress on a node whose agent predates the report, and runs a sandbox without network there', async () => {
      const legacy = await node('containment-legacy', undefined);
      const before = starts.length;
      const egress = await create('egress');
      expect(egress.status).toBe(409);
      expect(egress.body.error.code).toBe('sandbox.uncontainable');
      expect(egress.body.error.details.nodes).toEqual([
        expect.objectContaining({ node_id: legacy, missing: ['netns_egress'] }),
      ]);
      expect(starts.length).toBe(before);
      const none = await create('none');
      expect(none.status).toBe(201);
      expect(none.body.node_id).toBe(legacy);
      await remove(none.body.id as string);
    });

    it('refuses every sandbox on nodes without memory and pids cgroups, and egress without a netns', async () => {
      const noCgroups = await node('containment-no-cgroups', {
        ...FULL,
        cgroup_memory: false,
        cgroup_pids: false,
      });
      const noNetns = await node('containment-no-netns', { ...FULL, netns_egress: false });
      const before = starts.length;
      const egress = await create('egress');
      expect(egress.status).toBe(409);
      expect(egress.body.error.code).toBe('sandbox.uncontainable');
      const missing = new Map(
        (egress.body.error.details.nodes as Array<{ node_id: string; missing: string[] }>).map(
          (n) => [n.node_id, n.missing],
        ),
      );
      expect(missing.get(noCgroups)).toEqual(['cgroup_memory', 'cgroup_pids']);
      expect(missing.get(noNetns)).toEqual(['netns_egress']);
      expect(starts.length).toBe(before);
      // Without network, the node lacking cgroups is still passed over; another one takes it.
      const none = await create('none');
      expect(none.status).toBe(201);
      expect(none.body.node_id).not.toBe(noCgroups);
      await remove(none.body.id as string);
    });

    it('places an egress sandbox on the node that can contain it', async () => {
      const full = await node('containment-full', FULL);
      const egress = await create('egress');
      expect(egress.status).toBe(201);
      expect(egress.body.node_id).toBe(full);
      expect(starts[starts.length - 1]).toMatchObject({ network: 'egress' });
      await remove(egress.body.id as string);
    });
  },
);
