import { randomUUID } from 'node:crypto';
import { ManualClock } from '@nanopod/common';
import { LedgerService } from '@nanopod/billing';
import { DeploymentReconciler, ProcurementReconciler } from '@nanopod/compute';
import { MarketService } from '@nanopod/market';
import { DataSource } from 'typeorm';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

const HOUR = 3_600_000;
const ZONE = 'richmond';
const TYPE = 'rtx4090x2';

/** Polls `check` until it holds (the spot-price notice is delivered by an event). */
async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * SF Compute's walkthrough (seed 000) on the embedded default, over real HTTP, with the
 * reconcilers driven pass by pass on a manual clock.
 */
describe.each(databaseKinds())('the compute walkthrough on %s', (kind) => {
  let platform: TestPlatform;
  let clock: ManualClock;
  let admin: TestUser;
  let dev: TestUser;
  let deployments: DeploymentReconciler;
  let procurements: ProcurementReconciler;

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      clock: 'manual',
      env: { NANOPOD_WELCOME_CREDITS: '0' },
    });
    clock = platform.clock as ManualClock;
    // Start at 10 minutes past an hour so blocks are easy to reason about.
    clock.set(Math.floor(clock.nowMs() / HOUR) * HOUR + 10 * 60_000);
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    dev = await platform.createUser();
    deployments = platform.app.get(DeploymentReconciler);
    procurements = platform.app.get(ProcurementReconciler);
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  const http = () => platform.http();
  const topUp = (userId: string, amount: number) =>
    http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: userId, amount, idempotency_key: `seed-${userId}`, note: 'test' })
      .expect(201);
  const partnerSell = (partnerId: string, body: Record<string, unknown>) =>
    http()
      .post('/v1/orders')
      .set(admin.auth)
      .send({
        side: 'sell',
        zone: ZONE,
        instance_type: TYPE,
        start: 'now',
        partner_id: partnerId,
        ...body,
      })
      .expect(201);
  const deployment = async () =>
    (await http().get('/v1/deployments/inference').set(dev.auth).expect(200)).body;
  const states = async () => (await deployment()).counts as Record<string, number>;
  const tickDeployments = async (times = 1) => {
    for (let i = 0; i < times; i++) await deployments.loop.runNow();
  };

  it('runs capacity → template → deployment → procurement → running, scales up and down, and replaces interrupted nodes', async () => {
    await topUp(dev.id, 10_000_000);
    const partnerA = randomUUID();
    await partnerSell(partnerA, { nodes: 10, duration: '48h', price: 1000 });

    await http()
      .post('/v1/capacities')
      .set(dev.auth)
      .send({ name: 'inference', zone: ZONE, instance_type: TYPE, max_nodes: 16 })
      .expect(201);
    const tpl = await http()
      .post('/v1/node-templates')
      .set(dev.auth)
      .send({
        name: 'inference-worker',
        image: 'ubuntu-22.04.5-cuda-12.7',
        cloud_init: '#cloud-config\nruncmd:\n  - [sh, -c, "echo ready > /tmp/ready"]\n',
        ssh_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHm1Wj dev@laptop'],
      })
      .expect(201);
    expect(tpl.body).toMatchObject({ cloud_init_kind: 'cloud-config' });

    // Deployment of 4: nodes wait for compute time.
    await http()
      .post('/v1/deployments')
      .set(dev.auth)
      .send({
        name: 'inference',
        capacity: 'inference',
        node_template: 'inference-worker',
        target_node_count: 4,
      })
      .expect(201);
    await tickDeployments();
    expect(await states()).toEqual({ awaiting_allocation: 4 });

    // The procurement buys within its max; nodes provision, then run.
    const created = await http()
      .post('/v1/procurements')
      .set(dev.auth)
      .send({
        name: 'inference',
        capacity: 'inference',
        max_buy_price: 2000,
        min_sell_price: 1000,
        window: '2h',
      })
      .expect(201);
    expect(created.body).toMatchObject({ target: 'node_count', window_hours: 2, coverage: [0, 0] });
    await procurements.loop.runNow();
    const proc = (await http().get('/v1/procurements/inference').set(dev.auth).expect(200)).body;
    expect(proc).toMatchObject({ coverage: [4, 4], need: [4, 4], price_paid: 1000 });
    // 4 nodes x 2 blocks x 2 GPUs x 10.00 = 16,000 credits (cents).
    expect(proc.spend_this_month).toBe(16_000);
    await tickDeployments();
    expect(await states()).toEqual({ pending: 4 });
    await tickDeployments();
    expect(await states()).toEqual({ running: 4 });

    // Set 8: four more wait, the procurement buys them.
    await http()
      .patch('/v1/deployments/inference')
      .set(dev.auth)
      .send({ target_node_count: 8 })
      .expect(200);
    await tickDeployments();
    expect(await states()).toEqual({ running: 4, awaiting_allocation: 4 });
    await procurements.loop.runNow();
    await tickDeployments(2);
    expect(await states()).toEqual({ running: 8 });

    // Set 2: the newest six are released and the surplus is offered at the min price.
    await http()
      .patch('/v1/deployments/inference')
      .set(dev.auth)
      .send({ target_node_count: 2 })
      .expect(200);
    await tickDeployments();
    const afterDown = await deployment();
    expect(afterDown.counts).toEqual({ running: 2, released: 6 });
    expect(
      afterDown.nodes
        .filter((n: { state: string }) => n.state === 'running')
        .map((n: { seq: number }) => n.seq),
    ).toEqual([1, 2]);
    await procurements.loop.runNow();
    const sells = (await http().get('/v1/orders?status=open').set(dev.auth).expect(200)).body.data;
    expect(sells).toEqual([
      expect.objectContaining({ side: 'sell', nodes: 6, price: 1000, duration_hours: 1 }),
    ]);
    expect(sells[0].price).toBeGreaterThanOrEqual(1000);
    // However many orders the capacity has had since, its resting sell is re-placed, never
    // offered twice: 250 newer (cancelled) orders, as a busy capacity has after a few days.
    await platform.app.get(DataSource).query(
      `INSERT INTO market_orders (id, zone, instance_type, side, owner_kind, owner_id, placed_by,
         capacity_id, nodes, gpus_per_node, start_at, end_at, price_cents, ioc, post_only, status,
         seq, created_at, updated_at)
       SELECT gen_random_uuid(), zone, instance_type, 'buy', owner_kind, owner_id, placed_by,
              capacity_id, nodes, gpus_per_node, start_at, end_at, price_cents, true, false,
              'cancelled', seq, created_at + (n || ' seconds')::interval,
              created_at + (n || ' seconds')::interval
         FROM market_orders, generate_series(1, 250) AS n
        WHERE id = $1`,
      [sells[0].id],
    );
    await procurements.loop.runNow();
    const resting = (await http().get('/v1/orders?status=open').set(dev.auth).expect(200)).body
      .data;
    expect(resting).toEqual([expect.objectContaining({ side: 'sell', nodes: 6 })]);
    expect(resting[0].id).not.toBe(sells[0].id);

    // orders create "in 5h" reserves a block from the same supply.
    const other = await platform.createUser();
    await topUp(other.id, 10_000_000);
    const reserved = await http()
      .post('/v1/orders')
      .set(other.auth)
      .send({
        side: 'buy',
        zone: ZONE,
        instance_type: TYPE,
        nodes: 2,
        start: 'in 5h',
        duration: '24h',
        price: 2000,
      })
      .expect(201);
    expect(reserved.body).toMatchObject({ status: 'filled', executed_node_hours: 48 });

    // A reservation takes every cheap node for [h+2, h+5); only dear supply is left there.
    const rival = await platform.createUser();
    await topUp(rival.id, 10_000_000);
    const taken = await http()
      .post('/v1/orders')
      .set(rival.auth)
      .send({
        side: 'buy',
        zone: ZONE,
        instance_type: TYPE,
        nodes: 10,
        start: 'in 2h',
        duration: '3h',
        price: 1000,
      })
      .expect(201);
    expect(taken.body.status).toBe('filled');
    await partnerSell(randomUUID(), { nodes: 10, duration: '48h', price: 3000 });

    // An hour later the procurement cannot renew within its max.
    clock.advance(HOUR);
    await procurements.loop.runNow();
    const stuck = (await http().get('/v1/procurements/inference').set(dev.auth).expect(200)).body;
    expect(stuck.coverage[1]).toBe(0);

    // The spot price passes the holder's limit: the running nodes get their notice.
    await http()
      .post('/v1/orders')
      .set(rival.auth)
      .send({
        side: 'buy',
        zone: ZONE,
        instance_type: TYPE,
        nodes: 1,
        start: 'in 1h',
        duration: '1h',
        price: 3000,
      })
      .expect(201);
    const price = (
      await http().get(`/v1/market/price?zone=${ZONE}&instance_type=${TYPE}`).set(dev.auth)
    ).body;
    expect(price.spot_price).toBe(3000);
    await waitFor(
      async () =>
        (await deployment()).nodes.filter(
          (n: { notice: { reason: string } | null }) =>
            n.notice?.reason === 'spot_price_above_limit',
        ).length === 2,
      'interruption notices',
    );

    // The block ends uncovered: preempted, and replacements wait for time.
    clock.advance(HOUR);
    await tickDeployments(2);
    const interrupted = await deployment();
    expect(interrupted.counts).toEqual({ released: 6, preempted: 2, awaiting_allocation: 2 });
    expect(
      interrupted.nodes
        .filter((n: { state: string }) => n.state === 'preempted')
        .map((n: { state_reason: string }) => n.state_reason),
    ).toEqual(['spot_price_above_limit', 'spot_price_above_limit']);

    // Cheaper supply returns: the procurement buys and the replacements run.
    await partnerSell(randomUUID(), { nodes: 4, duration: '24h', price: 1500 });
    await procurements.loop.runNow();
    await tickDeployments(2);
    expect((await states()).running).toBe(2);

    const market = platform.app.get(MarketService);
    expect(await market.oversoldBlocks()).toBe(0);
    expect((await platform.app.get(LedgerService).audit()).totalMicro).toBe(0);
  });

  it('decides the subsidy for a deployment and for each scale-up, and refuses what the balance cannot cover', async () => {
    // An ask on the book: the decision prices an hour of the nodes at it (or the last trade).
    await partnerSell(randomUUID(), { nodes: 4, duration: '4h', price: 1500 });
    const poor = await platform.createUser();
    const rich = await platform.createUser();
    await topUp(rich.id, 10_000_000);
    for (const user of [poor, rich]) {
      await http()
        .post('/v1/capacities')
        .set(user.auth)
        .send({ name: 'gpus', zone: ZONE, instance_type: TYPE, max_nodes: 8 })
        .expect(201);
      await http()
        .post('/v1/node-templates')
        .set(user.auth)
        .send({ name: 'worker', image: 'ubuntu-22.04', cloud_init: '#!/bin/sh\necho hi\n' })
        .expect(201);
    }
    const body = { name: 'svc', capacity: 'gpus', node_template: 'worker', target_node_count: 2 };

    const refused = await http().post('/v1/deployments').set(poor.auth).send(body);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'compute.policy_denied',
      details: { reasons: expect.arrayContaining(['insufficient_balance']) },
    });
    await http().get('/v1/deployments/svc').set(poor.auth).expect(404);

    const made = await http().post('/v1/deployments').set(rich.auth).send(body).expect(201);
    expect(made.body.subsidy).toMatchObject({
      tier: expect.any(String),
      rate_multiplier: expect.any(Number),
      decision_id: expect.any(String),
      target_node_count: 2,
    });
    // Up: decided again for the new count; down: the decision stays.
    const up = await http()
      .patch('/v1/deployments/svc')
      .set(rich.auth)
      .send({ target_node_count: 6 })
      .expect(200);
    expect(up.body.subsidy.target_node_count).toBe(6);
    expect(up.body.subsidy.decision_id).not.toBe(made.body.subsidy.decision_id);
    const down = await http()
      .patch('/v1/deployments/svc')
      .set(rich.auth)
      .send({ target_node_count: 1 })
      .expect(200);
    expect(down.body.subsidy).toEqual(up.body.subsidy);
    await http().delete('/v1/deployments/svc').set(rich.auth).expect(204);
  });

  it('answers 422 with the field for cloud-init that is too big or unparseable, and 404 for others’ things', async () => {
    const user = await platform.createUser();
    const cases: [string, string][] = [
      ['#cloud-config\n' + 'a: b\n'.repeat(20_000), 'cloud_init'],
      ['#cloud-config\nruncmd: [unclosed\n', 'cloud_init'],
      ['#cloud-config\n- just\n- a list\n', 'cloud_init'],
      ['echo no shebang', 'cloud_init'],
    ];
    for (const [cloudInit, field] of cases) {
      const res = await http()
        .post('/v1/node-templates')
        .set(user.auth)
        .send({ name: 'bad', image: 'ubuntu', cloud_init: cloudInit });
      expect(res.status).toBe(422);
      expect(res.body.error.details.fields[0].field).toBe(field);
    }
    const script = await http()
      .post('/v1/node-templates')
      .set(user.auth)
      .send({ name: 'script', image: 'ubuntu', cloud_init: '#!/bin/bash\necho hi\n' });
    expect(script.status).toBe(201);
    expect(script.body.cloud_init_kind).toBe('script');
    const badKey = await http()
      .post('/v1/node-templates')
      .set(user.auth)
      .send({ name: 'keys', image: 'ubuntu', ssh_keys: ['not a key'] });
    expect(badKey.status).toBe(422);
    expect(badKey.body.error.details.fields[0].field).toBe('ssh_keys.0');

    const cap = await http()
      .post('/v1/capacities')
      .set(user.auth)
      .send({ name: 'mine', zone: ZONE, instance_type: TYPE, min_nodes: 5, max_nodes: 2 });
    expect(cap.status).toBe(422);
    expect(cap.body.error.details.fields[0].field).toBe('min_nodes');
    const proc = await http()
      .post('/v1/procurements')
      .set(user.auth)
      .send({ name: 'p', capacity: 'inference', max_buy_price: 1, min_sell_price: 1 });
    expect(proc.status).toBe(404);
    expect((await http().get('/v1/deployments/inference').set(user.auth)).status).toBe(404);
    expect((await http().get('/v1/capacities/inference').set(user.auth)).status).toBe(404);
  });

  it('lists zones from capacities and nodes', async () => {
    const zones = (await http().get('/v1/zones').set(dev.auth).expect(200)).body;
    expect(zones).toContainEqual(
      expect.objectContaining({
        name: ZONE,
        available: false,
        available_capacity: 0,
        interconnect_type: 'federated-vpn',
      }),
    );
  });
});
