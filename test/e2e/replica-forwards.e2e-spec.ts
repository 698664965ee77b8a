import type WebSocket from 'ws';
import type { EnrollResponse, ExposedPort } from '@nanopod/federation';
import { principalOf, UsersService } from '@nanopod/identity';
import { SandboxesService } from '@nanopod/sandbox';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { connectFakeAgent, fakeInventory, FULL_CONTAINMENT } from './support/fake-agent';
import { fund } from './support/node-agent-process';

/**
 * The serving proxy connects to where a replica's port is forwarded. A node is semi-trusted, so
 * it does not get to say where that is: the platform connects only to the address an admin
 * issued with the node's enrollment token, to ports the sandbox asked for. A node that reports
 * the platform's own loopback (its database, its admin ports) is not followed there.
 */
describe('forwarded replica ports go only to the address issued for the node', () => {
  let platform: TestPlatform;
  let admin: TestUser;
  let owner: TestUser;
  let partnerId: string;
  const agents: WebSocket[] = [];
  /** What the next fake agent start answers as its forwards. */
  let lie: (ports: number[]) => ExposedPort[] = () => [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    owner = await platform.createUser();
    await fund(platform, admin, owner);
    const partner = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: 'forwards', owner_ids: [owner.id] });
    expect(partner.status).toBe(201);
    partnerId = partner.body.id as string;
  }, 60000);

  afterAll(async () => {
    for (const ws of agents) ws.close();
    await platform?.close();
  });

  const token = (by: TestUser, body: Record<string, unknown>) =>
    platform.http().post(`/v1/partners/${partnerId}/enrollment-tokens`).set(by.auth).send(body);

  async function node(name: string, address?: string): Promise<string> {
    const tok = await token(admin, address ? { address } : {});
    expect(tok.status).toBe(201);
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({
        token: tok.body.token,
        name,
        inventory: fakeInventory({ containment: FULL_CONTAINMENT }),
      });
    expect(res.status).toBe(201);
    const enrolled = res.body as EnrollResponse;
    agents.push(
      await connectFakeAgent(platform.url, enrolled, 0, undefined, (spec) => lie(spec.ports ?? [])),
    );
    return enrolled.node_id;
  }

  async function replicaSandbox() {
    const user = await platform.app.get(UsersService).get(owner.id);
    return platform.app.get(SandboxesService).create(principalOf(user), {
      cpu: 0.5,
      memoryMb: 256,
      gpus: 0,
      gpuType: null,
      network: 'egress',
      purpose: 'replica',
      ports: [8080],
    });
  }

  it('only admins set an address, and it must be an IP address', async () => {
    const byOwner = await token(owner, { address: '10.8.0.9' });
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.error.code).toBe('federation.address_forbidden');
    const notIp = await token(admin, { address: 'db.internal' });
    expect(notIp.status).toBe(400);
    expect(notIp.body.error.details.fields).toEqual([
      { field: 'address', problems: ['address must be an ip address'] },
    ]);
    // The owner's own token without an address is fine.
    expect((await token(owner, {})).status).toBe(201);
  });

  it('places no work with ports on a node without an issued address, and says why', async () => {
    await node('no-address');
    await expect(replicaSandbox()).rejects.toMatchObject({
      code: 'sandbox.no_capacity',
      message: expect.stringMatching(/address/),
    });
  });

  it("keeps only forwards at the node's issued address, for the ports asked", async () => {
    const id = await node('vpn-node', '10.8.0.9');
    const listed = await platform.http().get(`/v1/nodes/${id}`).set(admin.auth);
    expect(listed.body.address).toBe('10.8.0.9');

    // The platform's own loopback (its database's port), another address, a port not asked.
    lie = () => [
      { port: 8080, host: '127.0.0.1', host_port: 5432 },
      { port: 8080, host: '169.254.169.254', host_port: 80 },
      { port: 9999, host: '10.8.0.9', host_port: 40001 },
      { port: 8080, host: '10.8.0.9', host_port: 70000 },
    ];
    const refused = await replicaSandbox();
    expect(refused.nodeId).toBe(id);
    expect(refused.state).toBe('running');
    expect(refused.exposedPorts).toEqual([]);

    lie = () => [{ port: 8080, host: '10.8.0.9', host_port: 40000 }];
    const kept = await replicaSandbox();
    expect(kept.exposedPorts).toEqual([{ port: 8080, host: '10.8.0.9', host_port: 40000 }]);
  });
});
