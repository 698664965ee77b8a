import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { ManualClock } from '@nanopod/common';
import { DeploymentReconciler, ProcurementReconciler } from '@nanopod/compute';
import type { EnrollResponse } from '@nanopod/federation';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { connectFakeAgent, fakeInventory } from './support/fake-agent';
import { fund } from './support/node-agent-process';

const HOUR = 3_600_000;
const ZONE = 'east';
const GPU = { memory_mb: 24_564, driver: '550', vendor: 'nvidia' as const };

/** The shipped policy with one more rule: no sandboxes on federated nodes. */
const SANDBOXES_ON_INFINIBAND_ONLY = `package nanopod.placement

allowed_node_kinds := {
	"latency_tolerant": {"federated", "infiniband"},
	"latency_sensitive": {"infiniband"},
}

default allow := false

allow if {
	input.node.kind in allowed_node_kinds[input.workload_class]
	not sandbox_on_federated
}

sandbox_on_federated if {
	input.request.kind == "sandbox"
	input.node.kind == "federated"
}

reasons contains "no_sandboxes_on_federated" if sandbox_on_federated
`;

/** Compiles (the subsidy policy's import still resolves) but answers a string for allow. */
const BROKEN = `package nanopod.placement

allowed_node_kinds := {
	"latency_tolerant": {"federated", "infiniband"},
	"latency_sensitive": {"infiniband"},
}

allow := "yes"
`;

/**
 * Placement goes through the active placement policy (Rego): sandboxes and deployment nodes
 * land where `data.nanopod.placement` allows (hard limits stay in TypeScript), an activation
 * changes placement at once, and a policy that cannot answer places nothing.
 */
describe.each(databaseKinds())('placement through the active placement policy on %s', (kind) => {
  let platform: TestPlatform;
  let clock: ManualClock;
  let admin: TestUser;
  let dev: TestUser;
  let partnerId: string;
  const agents: WebSocket[] = [];
  const ids: Record<string, string> = {};

  async function enroll(name: string, token: Record<string, unknown>): Promise<void> {
    const tok = await platform
      .http()
      .post(`/v1/partners/${partnerId}/enrollment-tokens`)
      .set(admin.auth)
      .send({ zone: ZONE, ...token })
      .expect(201);
    const inventory = fakeInventory({
      zone: ZONE,
      gpus: [0, 1].map((index) => ({ index, model: 'NVIDIA GeForce RTX 4090', ...GPU })),
    });
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok.body.token, name, inventory })
      .expect(201);
    const body = res.body as EnrollResponse;
    ids[name] = body.node_id;
    agents.push(await connectFakeAgent(platform.url, body));
  }

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      clock: 'manual',
      env: { NANOPOD_WELCOME_CREDITS: '0', NANOPOD_NODE_HEARTBEAT_MS: '600000' },
    });
    clock = platform.clock as ManualClock;
    clock.set(Math.floor(clock.nowMs() / HOUR) * HOUR + 10 * 60_000);
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    dev = await platform.createUser();
    await fund(platform, admin, dev, 100_000_000);
    const partner = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `placement-${kind}` })
      .expect(201);
    partnerId = partner.body.id;
    // By name alone `a-ib` would come first; the policy's score puts federated nodes first
    // for latency-tolerant work.
    await enroll('a-ib', {
      kind: 'infiniband',
      workload_classes: ['latency_tolerant', 'latency_sensitive'],
    });
    await enroll('b-fed', {});
    await enroll('c-fed', { labels: { 'nanopod.io/exclude': 'sandbox' } });
  }, 60_000);

  afterAll(async () => {
    for (const ws of agents) ws.close();
    await platform?.close();
  });

  const createSandbox = (workload_class: string) =>
    platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ ttl_seconds: 600, workload_class, resources: { cpu: 1, memory_mb: 256 } });
  const placedOn = async (workload_class: string): Promise<string> => {
    const res = await createSandbox(workload_class);
    expect(res.status).toBe(201);
    await platform.http().delete(`/v1/sandboxes/${res.body.id}`).set(dev.auth).expect(200);
    return Object.entries(ids).find(([, id]) => id === res.body.node_id)![0];
  };
  const activate = async (source: string): Promise<number> => {
    const v = await platform
      .http()
      .post('/v1/policies/placement/versions')
      .set(admin.auth)
      .send({ source, tests: null, message: 'test' })
      .expect(201);
    await platform
      .http()
      .post(`/v1/policies/placement/versions/${v.body.version}/activate`)
      .set(admin.auth)
      .send({ message: 'test' })
      .expect(200);
    return v.body.version as number;
  };

  it('places sandboxes where the active policy says, changes with an activation, and fails closed', async () => {
    // Shipped policy: federated first for tolerant work, and `c-fed` excludes sandboxes.
    expect(await placedOn('latency_tolerant')).toBe('b-fed');
    expect(await placedOn('latency_sensitive')).toBe('a-ib');

    await activate(SANDBOXES_ON_INFINIBAND_ONLY);
    expect(await placedOn('latency_tolerant')).toBe('a-ib');

    await activate(BROKEN);
    const refused = await createSandbox('latency_tolerant');
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({
      code: 'sandbox.placement_policy_error',
      details: { policy_error: { code: 'decision_malformed' } },
    });

    await platform
      .http()
      .post('/v1/policies/placement/rollback')
      .set(admin.auth)
      .send({ version: 1, message: 'back to shipped' })
      .expect(200);
    expect(await placedOn('latency_tolerant')).toBe('b-fed');
  });

  it('places deployment nodes on the zone’s agents through the policy, one per free host', async () => {
    const http = () => platform.http();
    await http()
      .post('/v1/orders')
      .set(admin.auth)
      .send({
        side: 'sell',
        zone: ZONE,
        instance_type: 'rtx4090x2',
        start: 'now',
        partner_id: randomUUID(),
        nodes: 10,
        duration: '4h',
        price: 1000,
      })
      .expect(201);
    await http()
      .post('/v1/capacities')
      .set(dev.auth)
      .send({ name: 'gpus', zone: ZONE, instance_type: 'rtx4090x2', max_nodes: 8 })
      .expect(201);
    await http()
      .post('/v1/node-templates')
      .set(dev.auth)
      .send({ name: 'worker', image: 'ubuntu-22.04', cloud_init: '#!/bin/sh\necho ready\n' })
      .expect(201);
    await http()
      .post('/v1/deployments')
      .set(dev.auth)
      .send({ name: 'web', capacity: 'gpus', node_template: 'worker', target_node_count: 4 })
      .expect(201);
    await http()
      .post('/v1/procurements')
      .set(dev.auth)
      .send({
        name: 'gpus',
        capacity: 'gpus',
        max_buy_price: 2000,
        min_sell_price: 1000,
        window: '1h',
      })
      .expect(201);
    const deployments = platform.app.get(DeploymentReconciler);
    await deployments.loop.runNow();
    await platform.app.get(ProcurementReconciler).loop.runNow();
    await deployments.loop.runNow();
    await deployments.loop.runNow();

    const d = (await http().get('/v1/deployments/web').set(dev.auth).expect(200)).body;
    // Four nodes hold time, but each takes a whole 2-GPU host: three hosts, three nodes.
    expect(d.counts).toEqual({ running: 3, awaiting_allocation: 1 });
    const running = d.nodes.filter((n: { state: string }) => n.state === 'running');
    const hosts = running.map((n: { host_node_id: string }) => n.host_node_id).sort();
    expect(hosts).toEqual([ids['a-ib'], ids['b-fed'], ids['c-fed']].sort());
    // The sandbox exclusion label does not keep deployment nodes off `c-fed`.
    const waiting = d.nodes.find((n: { state: string }) => n.state === 'awaiting_allocation');
    expect(waiting).toMatchObject({ host_node_id: null, state_reason: 'no_host_fits' });
  });
});
