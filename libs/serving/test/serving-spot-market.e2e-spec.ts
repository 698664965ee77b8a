import { randomUUID } from 'node:crypto';
import { SpotInterruptions } from '@nanopod/serving';
import { fund, sandboxesRunHere } from '../../../test/e2e/support/node-agent-process';
import type { TestUser } from '../../../test/support/test-platform';
import {
  ServiceBody,
  ServingFixture,
  specYaml,
  startServingFixture,
} from './support/serving-fixture';

const describeIf = sandboxesRunHere() ? describe : describe.skip;

/** The fixture's agents enroll in this zone (test/e2e/support/node-agent-process.ts). */
const ZONE = 'test-zone';
const L4 = { memory_mb: 23034, driver: 'test', vendor: 'nvidia' };

describeIf('serving: spot replicas yield when the market price passes their limit', () => {
  let f: ServingFixture;
  let rival: TestUser;

  beforeAll(async () => {
    f = await startServingFixture({
      // A node with two L4s (reported from config: this machine has none).
      agentConfig: {
        gpus: [
          { index: 0, model: 'NVIDIA L4', ...L4 },
          { index: 1, model: 'NVIDIA L4', ...L4 },
        ],
      },
    });
    rival = await f.platform.createUser();
    await fund(f.platform, f.admin, rival);
  }, 60000);

  afterAll(async () => {
    await f?.close();
  });

  /** A trade at `price` cents per GPU-hour for one l4x1 node in the fixture's zone. */
  async function trade(price: number) {
    const sell = await f.platform.http().post('/v1/orders').set(f.admin.auth).send({
      side: 'sell',
      zone: ZONE,
      instance_type: 'l4x1',
      nodes: 1,
      start: 'now',
      duration: '1h',
      price,
      partner_id: randomUUID(),
    });
    expect(sell.status).toBe(201);
    const buy = await f.platform.http().post('/v1/orders').set(rival.auth).send({
      side: 'buy',
      zone: ZONE,
      instance_type: 'l4x1',
      nodes: 1,
      start: 'now',
      duration: '1h',
      price,
    });
    expect(buy.status).toBe(201);
    expect(buy.body.status).toBe('filled');
    await f.platform.app.get(SpotInterruptions).settled();
  }

  const replicas = async () =>
    (await f.platform.http().get('/v1/services/spot').set(f.alice.auth)).body.replicas as Array<
      ServiceBody['replicas'][0] & { status_reason: string | null }
    >;

  it('refuses a limit without spot or without GPUs', async () => {
    const res = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({
        name: 'nolimit',
        spec: specYaml('readiness_probe: /health\nreplicas: 1', {
          resources: 'spot_max_price: 100',
        }),
      });
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields).toEqual([
      {
        field: 'resources.spot_max_price',
        problems: [
          'needs resources.use_spot: true',
          'is per GPU-hour: needs resources.accelerators',
        ],
      },
    ]);
  });

  it('preempts spot replicas above the limit, serves on-demand meanwhile, and goes back to spot when the price falls', async () => {
    const up = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({
        name: 'spot',
        spec: specYaml(
          'readiness_probe: /health\nreplica_policy: {min_replicas: 1, max_replicas: 1, dynamic_ondemand_fallback: true}',
          { resources: 'accelerators: L4:1, use_spot: true, spot_max_price: 100' },
        ),
      });
    expect(up.status).toBe(201);
    // Spot READY sends the dynamic on-demand fallback away.
    const spot = await f.until('spot READY alone', async () => {
      const all = await replicas();
      const ready = all.filter((r) => r.status === 'READY');
      return ready.length === 1 &&
        ready[0].pricing === 'spot' &&
        (await f.status('spot')).total_replicas === 1
        ? ready[0]
        : false;
    });

    // Below the limit: nothing happens.
    await trade(90);
    expect((await replicas()).find((r) => r.replica_id === spot.replica_id)!.status).toBe('READY');

    // Above: the spot replica is preempted with the reason; on-demand serves; new spot replicas
    // keep out of the zone (this node's) while the price stays there.
    await trade(150);
    const preempted = (await replicas()).find((r) => r.replica_id === spot.replica_id)!;
    expect(preempted.status).toBe('PREEMPTED');
    expect(preempted.status_reason).toMatch(/spot price 150 .* test-zone .* limit 100/);
    await f.until('on-demand READY', async () =>
      (await replicas()).some((r) => r.pricing === 'on_demand' && r.status === 'READY'),
    );
    const keptOut = (await replicas()).filter(
      (r) => r.pricing === 'spot' && r.replica_id > spot.replica_id,
    );
    expect(keptOut.length).toBeGreaterThan(0);
    expect(keptOut.every((r) => r.status === 'FAILED_PROVISION')).toBe(true);
    expect(keptOut[0].status_reason).toMatch(/zones kept out: test-zone/);
    expect((await f.platform.http().get('/s/spot/x')).status).toBe(200);

    // The price falls back under the limit: spot again, and the on-demand replica goes.
    await trade(80);
    await f.advance(61_000);
    const back = await f.until(
      'spot READY again, on-demand gone',
      async () => {
        const all = await replicas();
        const ready = all.filter((r) => r.status === 'READY');
        const onDemandAlive = all.some(
          (r) =>
            r.pricing === 'on_demand' && !['SHUTDOWN', 'FAILED', 'PREEMPTED'].includes(r.status),
        );
        return ready.length === 1 && ready[0].pricing === 'spot' && !onDemandAlive
          ? ready[0]
          : false;
      },
      30000,
    );
    expect(back.replica_id).toBeGreaterThan(spot.replica_id);
  });

  it('interrupts from the stored price when the event went unseen (matched elsewhere, or during a restart)', async () => {
    const interruptions = f.platform.app.get(SpotInterruptions);
    const ready = (await replicas()).find((r) => r.status === 'READY' && r.pricing === 'spot')!;
    expect(ready).toBeDefined();
    interruptions.deafen();
    try {
      await trade(170);
      // This instance heard nothing: the replica still serves.
      expect((await replicas()).find((r) => r.replica_id === ready.replica_id)!.status).toBe(
        'READY',
      );
      await interruptions.sweep();
      const swept = (await replicas()).find((r) => r.replica_id === ready.replica_id)!;
      expect(swept.status).toBe('PREEMPTED');
      expect(swept.status_reason).toMatch(/spot price 170 .* limit 100/);
    } finally {
      interruptions.listen();
    }
  });
});
