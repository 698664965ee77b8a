import { sandboxesRunHere } from '../../../test/e2e/support/node-agent-process';
import {
  ServiceBody,
  ServingFixture,
  specYaml,
  startServingFixture,
} from './support/serving-fixture';

const describeIf = sandboxesRunHere() ? describe : describe.skip;

const ids = (s: ServiceBody, pred: (r: ServiceBody['replicas'][0]) => boolean) =>
  s.replicas.filter(pred).map((r) => r.replica_id);

describeIf("serving: SkyServe's walkthrough on real replicas", () => {
  let f: ServingFixture;

  beforeAll(async () => {
    f = await startServingFixture();
  }, 60000);

  afterAll(async () => {
    await f?.close();
  });

  it('refuses a bad spec with every field (422) and starts nothing', async () => {
    const res = await f.platform.http().post('/v1/services').set(f.alice.auth).send({
      name: 'bad',
      spec: 'service: {replicas: -1, load_balancing_policy: x}\nresources: {ports: 22}\n',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('serving.invalid_spec');
    expect(res.body.error.details.fields.map((x: { field: string }) => x.field).sort()).toEqual([
      'resources.ports',
      'run',
      'service.load_balancing_policy',
      'service.replicas',
    ]);
    const list = await f.platform.http().get('/v1/services').set(f.alice.auth);
    expect(list.body.data).toEqual([]);
  });

  it('target 2 with dynamic on-demand fallback: spot READY sends on-demand away; a preemption brings #5 and #6; #6 goes when spot is back', async () => {
    const spec = specYaml(
      [
        'readiness_probe: {path: /health, initial_delay_seconds: 60, timeout_seconds: 2}',
        'replica_policy: {min_replicas: 2, max_replicas: 2, dynamic_ondemand_fallback: true}',
      ].join('\n'),
    ).replace('resources: {ports: 8080,', 'resources: {use_spot: true, ports: 8080,');
    const up = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({ name: 'walk', spec });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ status: 'CONTROLLER_INIT', version: 1, endpoint: '/s/walk/' });

    // First pass: 2 spot + 2 on-demand, none READY: NO_REPLICA 0/4.
    await f.controller.runOnce();
    let s = await f.status('walk');
    expect(s.replicas.map((r) => [r.replica_id, r.pricing])).toEqual([
      [1, 'spot'],
      [2, 'spot'],
      [3, 'on_demand'],
      [4, 'on_demand'],
    ]);
    expect(s).toMatchObject({ status: 'NO_REPLICA', ready_replicas: 0, total_replicas: 4 });

    // Spot READY: the on-demand fallbacks shut down; 2/2.
    s = await f.until('spot READY and on-demand gone', async () => {
      const v = await f.status('walk');
      const spotReady = ids(v, (r) => r.pricing === 'spot' && r.status === 'READY');
      return spotReady.length === 2 && v.total_replicas === 2 ? v : false;
    });
    expect(s.status).toBe('READY');
    expect(ids(s, (r) => r.pricing === 'on_demand')).toEqual([3, 4]);
    expect(s.replicas.filter((r) => r.pricing === 'on_demand').map((r) => r.status)).toEqual([
      'SHUTDOWN',
      'SHUTDOWN',
    ]);
    const served = await f.platform.http().get('/s/walk/hello');
    expect(served.status).toBe(200);
    expect(served.text).toMatch(/^replica v1 GET \/hello/);

    // Spot #1 is preempted: spot #5 and on-demand #6 launch; 1/3.
    const pre = await f.platform
      .http()
      .post('/v1/services/walk/replicas/1/preempt')
      .set(f.admin.auth);
    expect(pre.status).toBe(201);
    await f.controller.runOnce();
    s = await f.status('walk');
    expect(s.replicas.find((r) => r.replica_id === 1)!.status).toBe('PREEMPTED');
    expect(s.replicas.slice(4).map((r) => [r.replica_id, r.pricing])).toEqual([
      [5, 'spot'],
      [6, 'on_demand'],
    ]);
    expect(s).toMatchObject({ ready_replicas: 1, total_replicas: 3, status: 'READY' });

    // Spot #5 READY: on-demand #6 is removed.
    s = await f.until('spot #5 READY and #6 gone', async () => {
      const v = await f.status('walk');
      const r5 = v.replicas.find((r) => r.replica_id === 5)!;
      const r6 = v.replicas.find((r) => r.replica_id === 6)!;
      return r5.status === 'READY' && r6.status === 'SHUTDOWN' ? v : false;
    });
    expect(s).toMatchObject({ ready_replicas: 2, total_replicas: 2 });
    expect(ids(s, (r) => r.status === 'READY')).toEqual([2, 5]);
  }, 60000);

  it('rolls an update out as version 2 and shuts the service down', async () => {
    const spec = specYaml(
      ['readiness_probe: {path: /health, initial_delay_seconds: 60}', 'replicas: 1'].join('\n'),
    );
    expect(
      (await f.platform.http().post('/v1/services').set(f.alice.auth).send({ name: 'roll', spec }))
        .status,
    ).toBe(201);
    await f.until('v1 READY', async () => (await f.status('roll')).ready_replicas === 1);
    const v2 = spec.replace('REPLICA_TAG: v1', 'REPLICA_TAG: v2');
    const upd = await f.platform
      .http()
      .put('/v1/services/roll')
      .set(f.alice.auth)
      .send({ spec: v2 });
    expect(upd.status).toBe(200);
    expect(upd.body.version).toBe(2);
    const s = await f.until('v2 serving alone', async () => {
      const v = await f.status('roll');
      const live = v.replicas.filter((r) => r.status === 'READY');
      return live.length === 1 && live[0].version === 2 && v.total_replicas === 1 ? v : false;
    });
    expect(s.replicas.map((r) => [r.replica_id, r.version, r.status])).toEqual([
      [1, 1, 'SHUTDOWN'],
      [2, 2, 'READY'],
    ]);
    expect((await f.platform.http().get('/s/roll/x')).text).toMatch(/^replica v2 /);

    const down = await f.platform.http().delete('/v1/services/roll').set(f.alice.auth);
    expect(down.body.status).toBe('SHUTTING_DOWN');
    await f.until('service gone', async () => {
      const res = await f.platform.http().get('/v1/services/roll').set(f.alice.auth);
      return res.status === 404;
    });
    const gone = await f.platform.http().get('/s/roll/x');
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('serving.service_not_found');
  }, 60000);
});
