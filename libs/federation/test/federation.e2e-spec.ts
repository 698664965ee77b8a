import WebSocket from 'ws';
import type { EnrollResponse, NodeInventory } from '@nanopod/federation';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { databaseKinds } from '../../../test/support/test-database';

function inventory(over: Partial<NodeInventory> = {}): NodeInventory {
  return {
    hostname: 'test-host',
    cpu_cores: 8,
    memory_mb: 16384,
    disk_gb: 100,
    gpus: [
      { index: 0, model: 'NVIDIA RTX 4090', memory_mb: 24576, driver: '550', vendor: 'nvidia' },
    ],
    power_watts: 1440,
    vpn_address: '10.8.0.2',
    zone: 'richmond',
    labels: { rack: 'r1' },
    kind: 'federated',
    workload_classes: ['latency_tolerant', 'latency_sensitive'],
    runtimes: ['bwrap'],
    agent_version: '0.1.0-test',
    ...over,
  };
}

/** Opens the agent channel; resolves with the upgrade's HTTP status (101 when accepted). */
function openChannel(
  url: string,
  nodeId: string,
  credential: string,
): Promise<{ status: number; ws?: WebSocket; first?: unknown }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/agent/nodes/${nodeId}/channel`, {
      headers: { authorization: `Bearer ${credential}` },
    });
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('message', (data) =>
      resolve({ status: 101, ws, first: JSON.parse((data as Buffer).toString()) }),
    );
    ws.once('error', () => resolve({ status: 0 }));
  });
}

describe.each(databaseKinds('both'))('federation on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let owner: TestUser;
  let stranger: TestUser;
  let partnerId: string;

  beforeAll(async () => {
    // 400 ms: unhealthy after 0.8 s, lost after 1.2 s, so a node is unhealthy for 0.4 s, long
    // enough to be seen between two polls even when the machine is busy.
    platform = await startTestPlatform({ kind, env: { NANOPOD_NODE_HEARTBEAT_MS: '400' } });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    owner = await platform.createUser();
    stranger = await platform.createUser();
    const res = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `acme-${kind}`, display_name: 'Acme', owner_ids: [owner.id] });
    expect(res.status).toBe(201);
    partnerId = res.body.id;
  });

  afterAll(async () => {
    await platform?.close();
  });

  async function token(by: TestUser = owner, body: object = {}): Promise<string> {
    const res = await platform
      .http()
      .post(`/v1/partners/${partnerId}/enrollment-tokens`)
      .set(by.auth)
      .send(body);
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^npe_[0-9a-f]{32}_/);
    return res.body.token as string;
  }

  async function enroll(name = 'node-a', inv = inventory(), tok?: string): Promise<EnrollResponse> {
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok ?? (await token()), name, inventory: inv });
    expect(res.status).toBe(201);
    return res.body as EnrollResponse;
  }

  it('lets only admins create partners and shows owners their own partners', async () => {
    const denied = await platform
      .http()
      .post('/v1/partners')
      .set(owner.auth)
      .send({ name: 'nope' });
    expect(denied.status).toBe(403);
    const mine = await platform.http().get('/v1/partners').set(owner.auth);
    expect(mine.body.data.map((p: { id: string }) => p.id)).toEqual([partnerId]);
    const theirs = await platform.http().get('/v1/partners').set(stranger.auth);
    expect(theirs.body.data).toEqual([]);
    expect((await platform.http().get(`/v1/partners/${partnerId}`).set(stranger.auth)).status).toBe(
      404,
    );
    const dup = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `acme-${kind}` });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('federation.partner_exists');
  });

  it('refuses enrollment tokens to people who do not own the partner', async () => {
    const res = await platform
      .http()
      .post(`/v1/partners/${partnerId}/enrollment-tokens`)
      .set(stranger.auth)
      .send({});
    expect(res.status).toBe(404);
  });

  it('trades a token for a node credential once and refuses the token the second time', async () => {
    const tok = await token(admin, { zone: 'pinned-zone', labels: { tier: 'gold' } });
    const first = await enroll('node-once', inventory(), tok);
    expect(first.credential).toMatch(/^npn_[0-9a-f]{32}_/);
    expect(first.heartbeat_interval_ms).toBe(400);
    const again = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok, name: 'x', inventory: inventory() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('federation.enrollment_token_used');
    const node = await platform.http().get(`/v1/nodes/${first.node_id}`).set(owner.auth);
    expect(node.status).toBe(200);
    expect(node.body.zone).toBe('pinned-zone');
    expect(node.body.labels).toMatchObject({ rack: 'r1', tier: 'gold' });
    // Federated nodes take latency-tolerant work only, whatever they claim.
    expect(node.body.workload_classes).toEqual(['latency_tolerant']);
  });

  it('lets exactly one of two concurrent enrollments with the same token through', async () => {
    for (let round = 0; round < 3; round++) {
      const tok = await token();
      const both = await Promise.all(
        ['race-a', 'race-b'].map((name) =>
          platform
            .http()
            .post('/v1/agent/enroll')
            .send({ token: tok, name: `${name}-${round}`, inventory: inventory() }),
        ),
      );
      expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
      const refused = both.find((r) => r.status === 409)!;
      expect(refused.body.error.code).toBe('federation.enrollment_token_used');
    }
  });

  it('answers 404 for a node name nobody has, and 400 for node ids that are not UUIDs on the channel upgrade', async () => {
    const a = await enroll('node-bad-ids');
    const http = await platform.http().get('/v1/nodes/not-a-uuid').set(owner.auth);
    expect(http.status).toBe(404);
    expect(http.body.error.code).toBe('federation.node_not_found');
    for (const id of ['not-a-uuid', '%E0%A4%A', '..%2F..']) {
      expect((await openChannel(platform.url, id, a.credential)).status).toBe(400);
    }
    // The server is still there and the node's own channel still opens.
    const good = await openChannel(platform.url, a.node_id, a.credential);
    expect(good.status).toBe(101);
    good.ws?.close();
  });

  it('takes a partner name or a node name for the id, and answers 409 when two nodes share a name', async () => {
    const http = () => platform.http();
    const tok = await http()
      .post(`/v1/partners/acme-${kind}/enrollment-tokens`)
      .set(owner.auth)
      .send({});
    expect(tok.status).toBe(201);
    expect(tok.body.partner_id).toBe(partnerId);
    expect((await http().get(`/v1/partners/acme-${kind}`).set(owner.auth)).body.id).toBe(partnerId);
    expect((await http().get(`/v1/partners/acme-${kind}`).set(stranger.auth)).status).toBe(404);
    const a = await enroll('pod-7', inventory(), tok.body.token as string);
    const got = await http().get('/v1/nodes/pod-7').set(owner.auth);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(a.node_id);
    const cordoned = await http().post('/v1/nodes/pod-7/cordon').set(owner.auth);
    expect(cordoned.body).toMatchObject({ id: a.node_id, cordoned: true });
    expect((await http().get('/v1/nodes/pod-7').set(stranger.auth)).status).toBe(404);

    const b = await enroll('pod-7');
    const twice = await http().post('/v1/nodes/pod-7/uncordon').set(owner.auth);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('federation.node_name_ambiguous');
    expect([...twice.body.error.details.ids].sort()).toEqual([a.node_id, b.node_id].sort());
    // A terminated node of that name no longer stands in the way of the live one.
    expect((await http().delete(`/v1/nodes/${b.node_id}`).set(owner.auth)).status).toBe(200);
    expect((await http().get('/v1/nodes/pod-7').set(admin.auth)).body.id).toBe(a.node_id);
  });

  it('refuses a made-up token with 401', async () => {
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({
        token: `npe_${'0'.repeat(32)}_${'a'.repeat(43)}`,
        name: 'x',
        inventory: inventory(),
      });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('federation.enrollment_token_invalid');
  });

  it('accepts heartbeats with the node credential and refuses it for another node', async () => {
    const a = await enroll('node-hb-a');
    const b = await enroll('node-hb-b');
    const ok = await platform
      .http()
      .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
      .set('Authorization', `Bearer ${a.credential}`)
      .send({ inventory: inventory({ memory_mb: 32768 }), sandboxes: [] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ node_id: a.node_id, state: 'running', cordoned: false });
    const other = await platform
      .http()
      .post(`/v1/agent/nodes/${b.node_id}/heartbeat`)
      .set('Authorization', `Bearer ${a.credential}`)
      .send({ inventory: inventory(), sandboxes: [] });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('federation.node_mismatch');
    const none = await platform
      .http()
      .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
      .send({ inventory: inventory(), sandboxes: [] });
    expect(none.status).toBe(401);
    const node = await platform.http().get(`/v1/nodes/${a.node_id}`).set(admin.auth);
    expect(node.body.memory_mb).toBe(32768);
  });

  it('takes kind, zone and classes from the token: a heartbeat claiming infiniband changes nothing', async () => {
    const tok = await token(owner, { zone: 'trust-zone' });
    const a = await enroll('node-claims', inventory({ zone: 'claimed-zone' }), tok);
    const before = await platform.http().get(`/v1/nodes/${a.node_id}`).set(admin.auth);
    expect(before.body).toMatchObject({
      kind: 'federated',
      zone: 'trust-zone',
      workload_classes: ['latency_tolerant'],
    });
    const hb = await platform
      .http()
      .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
      .set('Authorization', `Bearer ${a.credential}`)
      .send({
        inventory: inventory({
          kind: 'infiniband',
          zone: 'us-east-ib',
          workload_classes: ['latency_tolerant', 'latency_sensitive'],
          memory_mb: 4096,
        }),
        sandboxes: [],
      });
    expect(hb.status).toBe(200);
    const after = await platform.http().get(`/v1/nodes/${a.node_id}`).set(admin.auth);
    expect(after.body).toMatchObject({
      kind: 'federated',
      zone: 'trust-zone',
      workload_classes: ['latency_tolerant'],
      // Inventory is the agent's to report.
      memory_mb: 4096,
      claimed: {
        kind: 'infiniband',
        zone: 'us-east-ib',
        workload_classes: ['latency_sensitive', 'latency_tolerant'],
      },
    });
    expect(after.body.inventory).toMatchObject({ kind: 'federated', zone: 'trust-zone' });
    // An honest heartbeat clears the shown mismatch.
    await platform
      .http()
      .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
      .set('Authorization', `Bearer ${a.credential}`)
      .send({
        inventory: inventory({ zone: 'trust-zone', workload_classes: ['latency_tolerant'] }),
        sandboxes: [],
      })
      .expect(200);
    const honest = await platform.http().get(`/v1/nodes/${a.node_id}`).set(admin.auth);
    expect(honest.body.claimed).toBeNull();
  });

  it('lets only admins issue tokens for InfiniBand nodes', async () => {
    const refused = await platform
      .http()
      .post(`/v1/partners/${partnerId}/enrollment-tokens`)
      .set(owner.auth)
      .send({ kind: 'infiniband' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('federation.kind_forbidden');
    const tok = await token(admin, { kind: 'infiniband', zone: 'ib-zone' });
    const ib = await enroll('node-ib', inventory({ kind: 'federated' }), tok);
    const node = await platform.http().get(`/v1/nodes/${ib.node_id}`).set(admin.auth);
    expect(node.body).toMatchObject({
      kind: 'infiniband',
      zone: 'ib-zone',
      workload_classes: ['latency_tolerant', 'latency_sensitive'],
      claimed: { kind: 'federated' },
    });
  });

  it('opens the channel with the own credential only and welcomes the agent', async () => {
    const a = await enroll('node-ws-a');
    const b = await enroll('node-ws-b');
    const mismatch = await openChannel(platform.url, b.node_id, a.credential);
    expect(mismatch.status).toBe(403);
    const bad = await openChannel(platform.url, a.node_id, 'npn_nonsense');
    expect(bad.status).toBe(401);
    const good = await openChannel(platform.url, a.node_id, a.credential);
    expect(good.status).toBe(101);
    expect(good.first).toEqual({ type: 'welcome', node_id: a.node_id, heartbeat_interval_ms: 400 });
    const listed = await platform.http().get('/v1/nodes').set(admin.auth);
    expect(listed.body.data.find((n: { id: string }) => n.id === a.node_id).connected).toBe(true);
    good.ws?.close();
  });

  it('marks a node unhealthy and then lost when heartbeats stop', async () => {
    const a = await enroll('node-silent');
    const started = Date.now();
    let state = 'running';
    const seen = new Set<string>();
    while (Date.now() - started < 5000 && state !== 'lost') {
      state = (await platform.http().get(`/v1/nodes/${a.node_id}`).set(admin.auth)).body.state;
      seen.add(state);
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(state).toBe('lost');
    expect(seen.has('unhealthy')).toBe(true);
    // A heartbeat brings it back.
    const hb = await platform
      .http()
      .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
      .set('Authorization', `Bearer ${a.credential}`)
      .send({ inventory: inventory(), sandboxes: [] });
    expect(hb.body.state).toBe('running');
  });

  it('lets owners cordon, uncordon and drain their nodes and hides them from others', async () => {
    const a = await enroll('node-ops');
    // Heartbeats as a live agent sends them, so a slow machine never sees this node judged lost.
    const beat = () =>
      platform
        .http()
        .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
        .set('Authorization', `Bearer ${a.credential}`)
        .send({ inventory: inventory(), sandboxes: [] })
        .then(() => undefined);
    await beat();
    let stopped = false;
    const alive = (async () => {
      while (!stopped) {
        await beat().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await cordonDrainAndHide(a);
    } finally {
      stopped = true;
      await alive;
    }
  });

  async function cordonDrainAndHide(a: { node_id: string }): Promise<void> {
    expect(
      (await platform.http().post(`/v1/nodes/${a.node_id}/cordon`).set(stranger.auth)).status,
    ).toBe(404);
    const cordoned = await platform.http().post(`/v1/nodes/${a.node_id}/cordon`).set(owner.auth);
    expect(cordoned.status).toBe(200);
    expect(cordoned.body.cordoned).toBe(true);
    const un = await platform.http().post(`/v1/nodes/${a.node_id}/uncordon`).set(owner.auth);
    expect(un.body.cordoned).toBe(false);
    const drain = await platform.http().post(`/v1/nodes/${a.node_id}/drain`).set(admin.auth);
    expect(['draining', 'drained']).toContain(drain.body.state);
    const strangerList = await platform.http().get('/v1/nodes').set(stranger.auth);
    expect(strangerList.body.data).toEqual([]);
    expect((await platform.http().get(`/v1/nodes/${a.node_id}`).set(stranger.auth)).status).toBe(
      404,
    );
  }

  it('keeps node exec for admins', async () => {
    const res = await platform
      .http()
      .post('/v1/nodes/exec')
      .set(owner.auth)
      .send({ selector: {}, argv: ['true'] });
    expect(res.status).toBe(403);
  });

  it('terminates a node: its credential is refused from then on', async () => {
    const a = await enroll('node-gone');
    const gone = await platform.http().delete(`/v1/nodes/${a.node_id}`).set(owner.auth);
    expect(gone.status).toBe(200);
    expect(gone.body.state).toBe('terminated');
    const hb = await platform
      .http()
      .post(`/v1/agent/nodes/${a.node_id}/heartbeat`)
      .set('Authorization', `Bearer ${a.credential}`)
      .send({ inventory: inventory(), sandboxes: [] });
    expect(hb.status).toBe(401);
    expect((await openChannel(platform.url, a.node_id, a.credential)).status).toBe(401);
    expect(
      (await platform.http().post(`/v1/nodes/${a.node_id}/cordon`).set(owner.auth)).status,
    ).toBe(409);
  });
});
