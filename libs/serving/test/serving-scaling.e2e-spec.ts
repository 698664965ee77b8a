import { request as httpRequest } from 'node:http';
import { sandboxesRunHere } from '../../../test/e2e/support/node-agent-process';
import { ServingFixture, specYaml, startServingFixture } from './support/serving-fixture';

const describeIf = sandboxesRunHere() ? describe : describe.skip;

/** GETs through the platform's proxy, counting how many chunks the body arrived in. */
function getChunks(url: string): Promise<{ status: number; body: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      let body = '';
      let chunks = 0;
      res.on('data', (d: Buffer) => ((body += d.toString()), chunks++));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, chunks }));
    })
      .on('error', reject)
      .end();
  });
}

describeIf('serving: autoscaling, scale to zero and the load balancer on real replicas', () => {
  let f: ServingFixture;

  beforeAll(async () => {
    f = await startServingFixture();
  }, 60000);

  afterAll(async () => {
    await f?.close();
  });

  const up = async (name: string, service: string) => {
    const res = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({ name, spec: specYaml(service) });
    expect(res.status).toBe(201);
  };

  it('a QPS step scales 1 → 3 after the upscale delay and back to 1 after the downscale delay', async () => {
    await up(
      'qps',
      [
        'readiness_probe: /health',
        'replica_policy: {min_replicas: 1, max_replicas: 3, target_qps_per_replica: 0.1, upscale_delay_seconds: 5, downscale_delay_seconds: 10}',
      ].join('\n'),
    );
    await f.until('one READY', async () => (await f.status('qps')).ready_replicas === 1);
    // A warm service answers without a cold start.
    const warm = await f.platform.http().get('/s/qps/warm');
    expect(warm.status).toBe(200);
    expect(warm.headers['x-nanopod-cold-start-ms']).toBeUndefined();

    // 20 requests in this minute: 0.33 QPS, ceil(0.33 / 0.1) = 4, clamped to 3.
    for (let i = 0; i < 19; i++) {
      expect((await f.platform.http().get(`/s/qps/r${i}`)).status).toBe(200);
    }
    await f.pass();
    expect((await f.status('qps')).target_replicas).toBe(1);
    await f.advance(4000);
    await f.pass();
    expect((await f.status('qps')).target_replicas).toBe(1);
    const before = (await f.platform.http().get('/v1/services/qps').set(f.alice.auth)).body;
    await f.advance(1000);
    await f.pass();
    const scaled = (await f.platform.http().get('/v1/services/qps').set(f.alice.auth)).body;
    expect(scaled.target_replicas).toBe(3);
    // The scale-up was the policy's to allow: a new decision, for 3 replicas.
    expect(scaled.subsidy).toMatchObject({ replicas: 3, tier: expect.any(String) });
    expect(scaled.subsidy.decision_id).not.toBe(before.subsidy.decision_id);
    const three = await f.until('three READY', async () => {
      const s = await f.status('qps');
      return s.ready_replicas === 3 ? s : false;
    });
    // Ids only grow (a launch that failed on a busy machine is replaced by a higher id).
    const ids = three.replicas.filter((r) => r.status === 'READY').map((r) => r.replica_id);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(1);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    // The load is over (the window is a minute): down to min after the downscale delay.
    await f.advance(61_000);
    await f.pass();
    expect((await f.status('qps')).target_replicas).toBe(3);
    await f.advance(10_000);
    await f.pass();
    const one = await f.until('back to one', async () => {
      const s = await f.status('qps');
      return s.total_replicas === 1 ? s : false;
    });
    expect(one.target_replicas).toBe(1);
    // Newest go first.
    expect(one.replicas.filter((r) => r.status === 'READY').map((r) => r.replica_id)).toEqual([1]);
  }, 60000);

  it('streams bodies both ways and retries an idempotent request once when its replica is gone', async () => {
    const post = await f.platform
      .http()
      .post('/s/qps/echo?x=1')
      .set('content-type', 'text/plain')
      .send('hello body');
    expect(post.status).toBe(200);
    expect(post.text).toBe('replica v1 POST /echo?x=1 hello body');
    const streamed = await getChunks(`${f.platform.url}/s/qps/stream`);
    expect(streamed.body).toBe('chunk0\nchunk1\nchunk2\n');
    expect(streamed.chunks).toBeGreaterThan(1);

    // Two READY replicas; the one least load picks first is preempted (its sandbox goes) before
    // the controller's next pass takes it out of the balancer.
    const res = await f.platform
      .http()
      .put('/v1/services/qps')
      .set(f.alice.auth)
      .send({
        spec: specYaml(
          'readiness_probe: /health\nreplica_policy: {min_replicas: 2, max_replicas: 2}',
        ),
      });
    expect(res.status).toBe(200);
    const two = await f.until('two READY of version 2', async () => {
      const s = await f.status('qps');
      const ready = s.replicas.filter((r) => r.status === 'READY');
      return ready.length === 2 && ready.every((r) => r.version === 2) ? ready : false;
    });
    const first = Math.min(...two.map((r) => r.replica_id));
    await f.platform
      .http()
      .post(`/v1/services/qps/replicas/${first}/preempt`)
      .set(f.admin.auth)
      .expect(201);
    await f.controller.settle();
    for (let i = 0; i < 3; i++) {
      const again = await f.platform.http().get(`/s/qps/after-${i}`);
      expect(again.status).toBe(200);
    }
    // A POST is not retried: it fails rather than running twice.
    await f.pass();
    await f.platform.http().delete('/v1/services/qps').set(f.alice.auth).expect(200);
    await f.until('qps gone', async () => {
      return (await f.platform.http().get('/v1/services/qps').set(f.alice.auth)).status === 404;
    });
  }, 60000);

  it('scales from zero: the first request is held through the cold start and succeeds; idle goes back to zero', async () => {
    await up(
      'zero',
      [
        'readiness_probe: {path: /health, initial_delay_seconds: 30}',
        'replica_policy: {min_replicas: 0, max_replicas: 1, target_qps_per_replica: 1, scale_to_zero_delay_seconds: 30}',
      ].join('\n'),
    );
    await f.pass();
    let s = await f.status('zero');
    expect(s).toMatchObject({ status: 'NO_REPLICA', total_replicas: 0, target_replicas: 0 });

    const started = Date.now();
    const res = await f.platform.http().get('/s/zero/first');
    const tookMs = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^replica v1 GET \/first/);
    const cold = Number(res.headers['x-nanopod-cold-start-ms']);
    expect(cold).toBeGreaterThan(0);
    expect(cold).toBeLessThanOrEqual(tookMs);
    s = await f.until('cold start recorded', async () => {
      const v = await f.status('zero');
      return v.last_cold_start_ms !== null ? v : false;
    });
    expect(s.replicas.map((r) => [r.replica_id, r.status])).toEqual([[1, 'READY']]);
    process.stdout.write(`scale-from-zero cold start: ${cold} ms\n`);

    // No traffic for the window and the scale-to-zero delay: back to NO_REPLICA.
    await f.advance(61_000);
    await f.pass();
    await f.advance(30_000);
    s = await f.until('scaled to zero', async () => {
      const v = await f.status('zero');
      return v.total_replicas === 0 && v.status === 'NO_REPLICA' ? v : false;
    });
    expect(s.replicas.map((r) => [r.replica_id, r.status])).toEqual([[1, 'SHUTDOWN']]);
  }, 60000);
  it('holds the target when the subsidy policy denies a scale-up, and grows once it allows again', async () => {
    await up(
      'gate',
      [
        'readiness_probe: /health',
        'replica_policy: {min_replicas: 1, max_replicas: 2, target_qps_per_replica: 0.1, upscale_delay_seconds: 1, downscale_delay_seconds: 600}',
      ].join('\n'),
    );
    await f.until('one READY', async () => (await f.status('gate')).ready_replicas === 1);
    const admin = f.admin.auth;
    const http = () => f.platform.http();
    const active = (await http().get('/v1/policies/subsidy/versions/1').set(admin).expect(200)).body
      .source as string;
    // An admin's policy that refuses deployments over 0.3 CPUs: the running replica (0.25) stays,
    // a second one would need 0.5.
    const strict = `${active}\ndenials contains "test_no_growth" if {\n\tinput.request.kind == "deployment"\n\tinput.request.cpu > 0.3\n}\n`;
    const v = await http()
      .post('/v1/policies/subsidy/versions')
      .set(admin)
      .send({ source: strict, message: 'no growth' })
      .expect(201);
    await http()
      .post(`/v1/policies/subsidy/versions/${v.body.version}/activate`)
      .set(admin)
      .send({ message: 'no growth', force: true })
      .expect(200);
    await new Promise((r) => setTimeout(r, 300));

    const load = async () => {
      for (let i = 0; i < 10; i++) expect((await http().get(`/s/gate/r${i}`)).status).toBe(200);
      await f.pass();
      await f.advance(1500);
      await f.pass();
    };
    await load();
    const held = await f.status('gate');
    expect(held.target_replicas).toBe(1);
    expect(held.total_replicas).toBe(1);

    await http()
      .post('/v1/policies/subsidy/rollback')
      .set(admin)
      .send({ version: 1, message: 'growth again' })
      .expect(200);
    await new Promise((r) => setTimeout(r, 300));
    // A denied service is asked again after a minute.
    await f.advance(61_000);
    await load();
    const grown = (await http().get('/v1/services/gate').set(f.alice.auth)).body;
    expect(grown.target_replicas).toBe(2);
    expect(grown.subsidy.replicas).toBe(2);
    await http().delete('/v1/services/gate').set(f.alice.auth).expect(200);
  }, 60000);
});
