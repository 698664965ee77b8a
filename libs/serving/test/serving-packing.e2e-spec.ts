import { sandboxesRunHere } from '../../../test/e2e/support/node-agent-process';
import { ServingFixture, specYaml, startServingFixture } from './support/serving-fixture';

const describeIf = sandboxesRunHere() ? describe : describe.skip;

interface ReplicaBody {
  replica_id: number;
  status: string;
  node_id: string | null;
  status_reason?: string | null;
}

describeIf('serving: replicas bin-packed on nodes, or one per node with disable_packing', () => {
  let f: ServingFixture;

  beforeAll(async () => {
    f = await startServingFixture({ nodes: 2 });
  }, 60000);

  afterAll(async () => {
    await f?.close();
  });

  const up = async (name: string, replicas: number, resources?: string) => {
    const res = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({
        name,
        spec: specYaml(`readiness_probe: /health\nreplicas: ${replicas}`, { resources }),
      });
    expect(res.status).toBe(201);
  };
  const replicas = async (name: string): Promise<ReplicaBody[]> =>
    (await f.platform.http().get(`/v1/services/${name}`).set(f.alice.auth)).body.replicas;
  const down = async (name: string) => {
    await f.platform.http().delete(`/v1/services/${name}`).set(f.alice.auth);
    await f.until(
      `${name} gone`,
      async () =>
        (await f.platform.http().get(`/v1/services/${name}`).set(f.alice.auth)).status === 404,
    );
  };

  it('packs replicas by default: the fullest node that fits first', async () => {
    // One replica lands; the next (of another service) joins it on the same node rather than
    // taking the empty one.
    await up('packed-a', 1);
    await f.until('a READY', async () => (await f.status('packed-a')).ready_replicas === 1);
    await up('packed-b', 1);
    await f.until('b READY', async () => (await f.status('packed-b')).ready_replicas === 1);
    const [a] = await replicas('packed-a');
    const [b] = await replicas('packed-b');
    expect(f.nodeIds).toContain(a.node_id);
    expect(b.node_id).toBe(a.node_id);
    expect((await f.platform.http().get('/s/packed-b/x')).status).toBe(200);
    await down('packed-a');
    await down('packed-b');
  });

  it('puts each replica on its own node with disable_packing, and says why one more cannot start', async () => {
    // Three replicas asked, two nodes: two serve, each on its own node; the third has no node
    // of its own and fails to provision with the reason.
    await up('spread', 3, 'disable_packing: true');
    const failed = await f.until('two READY and one that cannot be placed', async () => {
      const all = await replicas('spread');
      const ready = all.filter((r) => r.status === 'READY');
      const unplaced = all.find((r) => r.status === 'FAILED_PROVISION');
      return ready.length === 2 && unplaced ? unplaced : false;
    });
    expect(failed.status_reason).toMatch(/excluded|one per node/);
    const ready = (await replicas('spread')).filter((r) => r.status === 'READY');
    expect(new Set(ready.map((r) => r.node_id))).toEqual(new Set(f.nodeIds));
    // No two live replicas ever share a node.
    const live = (await replicas('spread'))
      .filter((r) => ['READY', 'STARTING', 'PROVISIONING'].includes(r.status))
      .map((r) => r.node_id);
    expect(new Set(live).size).toBe(live.length);
    expect((await f.platform.http().get('/s/spread/x')).status).toBe(200);
    await down('spread');
  });
});
