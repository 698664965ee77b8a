import WebSocket from 'ws';
import type { EnrollResponse, NodeInventory, PlatformMessage } from '@nanopod/federation';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { fund } from './support/node-agent-process';

/**
 * Placement under concurrency: creates racing for one node must not overcommit it. The node's
 * agent is a WebSocket client speaking the agent protocol that answers every start with
 * `running` after a short delay (the window in which an unreserved placement would overcommit).
 */
function inventory(over: Partial<NodeInventory>): NodeInventory {
  return {
    hostname: 'capacity-host',
    cpu_cores: 16,
    memory_mb: 2048,
    disk_gb: 100,
    gpus: [],
    power_watts: 1440,
    vpn_address: '10.8.0.9',
    zone: 'capacity-zone',
    labels: {},
    kind: 'federated',
    workload_classes: ['latency_tolerant'],
    runtimes: ['bwrap'],
    agent_version: '0.1.0-test',
    ...over,
  };
}

function connectAgent(url: string, node: EnrollResponse): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${url.replace('http', 'ws')}/v1/agent/nodes/${node.node_id}/channel`,
      {
        headers: { authorization: `Bearer ${node.credential}` },
      },
    );
    ws.on('message', (data) => {
      const msg = JSON.parse((data as Buffer).toString()) as PlatformMessage;
      if (msg.type === 'welcome') {
        ws.send(
          JSON.stringify({
            type: 'hello',
            node_id: node.node_id,
            agent_version: 't',
            sandboxes: [],
          }),
        );
        resolve(ws);
      } else if (msg.type === 'sandbox.start') {
        const reply = {
          type: 'sandbox.state',
          id: msg.id,
          sandbox_id: msg.spec.sandbox_id,
          state: 'running',
        };
        setTimeout(() => ws.send(JSON.stringify(reply)), 30);
      } else if (msg.type === 'sandbox.stop' || msg.type === 'sandbox.delete') {
        ws.send(
          JSON.stringify({
            type: 'sandbox.state',
            id: msg.id,
            sandbox_id: msg.sandbox_id,
            state: 'stopped',
          }),
        );
      }
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe.each(databaseKinds())('sandbox placement under concurrency on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let dev: TestUser;
  let partnerId: string;
  const agents: WebSocket[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    dev = await platform.createUser();
    await fund(platform, admin, dev);
    const partner = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `capacity-${kind}` });
    expect(partner.status).toBe(201);
    partnerId = partner.body.id as string;
  }, 60000);

  afterAll(async () => {
    for (const ws of agents) ws.close();
    await platform?.close();
  });

  async function node(name: string, over: Partial<NodeInventory>): Promise<EnrollResponse> {
    const tok = await platform
      .http()
      .post(`/v1/partners/${partnerId}/enrollment-tokens`)
      .set(admin.auth)
      .send({});
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok.body.token, name, inventory: inventory(over) });
    expect(res.status).toBe(201);
    const enrolled = res.body as EnrollResponse;
    agents.push(await connectAgent(platform.url, enrolled));
    return enrolled;
  }

  async function race(n: number, resources: object) {
    const all = await Promise.all(
      Array.from({ length: n }, () =>
        platform.http().post('/v1/sandboxes').set(dev.auth).send({ ttl_seconds: 300, resources }),
      ),
    );
    return {
      created: all.filter((r) => r.status === 201),
      refused: all.filter((r) => r.status === 409),
      other: all.filter((r) => r.status !== 201 && r.status !== 409),
    };
  }

  async function removeAll(ids: string[]) {
    for (const id of ids) await platform.http().delete(`/v1/sandboxes/${id}`).set(dev.auth);
  }

  it('places exactly as many concurrent sandboxes as the memory of the node holds', async () => {
    const a = await node('capacity-memory', { memory_mb: 2048 });
    // 2048 MB fits four sandboxes of 512 MB; seven race for it.
    const { created, refused, other } = await race(7, { cpu: 1, memory_mb: 512 });
    expect(other.map((r) => r.body)).toEqual([]);
    expect(created).toHaveLength(4);
    expect(refused).toHaveLength(3);
    for (const r of created) expect(r.body).toMatchObject({ state: 'running', node_id: a.node_id });
    for (const r of refused) expect(r.body.error.code).toBe('sandbox.no_capacity');
    await removeAll(created.map((r) => r.body.id as string));
    agents.pop()?.close();
  });

  it('places exactly as many concurrent GPU sandboxes as the node has GPUs', async () => {
    const gpu = {
      model: 'NVIDIA RTX 4090',
      memory_mb: 24576,
      driver: '550',
      vendor: 'nvidia' as const,
    };
    const b = await node('capacity-gpus', {
      memory_mb: 65536,
      gpus: [
        { index: 0, ...gpu },
        { index: 1, ...gpu },
      ],
    });
    const { created, refused, other } = await race(5, { cpu: 1, memory_mb: 256, gpus: 1 });
    expect(other.map((r) => r.body)).toEqual([]);
    expect(created).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const r of created) expect(r.body).toMatchObject({ state: 'running', node_id: b.node_id });
    for (const r of refused) expect(r.body.error.code).toBe('sandbox.no_capacity');
    await removeAll(created.map((r) => r.body.id as string));
  });

  it('denies a GPU sandbox whose full-TTL list price the balance cannot cover, and allows a short one', async () => {
    // A new user holds only the welcome credit; one GPU at the default price for a week is far more.
    const newcomer = await platform.createUser();
    const balance = await platform.http().get('/v1/billing/balance').set(newcomer.auth);
    expect(balance.status).toBe(200);
    const week = await platform
      .http()
      .post('/v1/sandboxes')
      .set(newcomer.auth)
      .send({ ttl_seconds: 7 * 86400, resources: { cpu: 1, memory_mb: 256, gpus: 1 } });
    expect(week.status).toBe(403);
    expect(week.body.error.code).toBe('sandbox.policy_denied');
    expect(week.body.error.details.reasons).toContain('insufficient_balance');

    const short = await platform
      .http()
      .post('/v1/sandboxes')
      .set(newcomer.auth)
      .send({ ttl_seconds: 60, resources: { cpu: 1, memory_mb: 256, gpus: 1 } });
    expect(short.status).toBe(201);
    await platform
      .http()
      .delete(`/v1/sandboxes/${short.body.id as string}`)
      .set(newcomer.auth);
  });
});
