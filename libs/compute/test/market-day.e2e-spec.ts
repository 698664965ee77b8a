import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ManualClock } from '@nanopod/common';
import { LedgerService } from '@nanopod/billing';
import { DeploymentReconciler, ProcurementReconciler } from '@nanopod/compute';
import { MarketService } from '@nanopod/market';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

const HOUR = 3_600_000;
const STEP = 5 * 60_000;
/**
 * Reconciler passes (and the check after each) every this many steps: every 10 minutes, half
 * the passes of one per step for the same orders (the passes were two thirds of the time).
 */
const RECONCILE_EVERY = 2;
const ZONE = 'day';
const TYPE = 'rtx4090x2';

/** Deterministic PRNG (mulberry32): the same day every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A day of market activity on an injected clock: partners offering time at drifting prices,
 * random buyers (reservations, spot, immediate-or-cancel), cancels, two deployments whose
 * targets move, each with a procurement. After every reconciler pass no node runs on time its
 * capacity does not hold; at the end the ledger sums to zero and no block was sold twice.
 */
describe.each(databaseKinds())('a simulated market day on %s', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      clock: 'manual',
      env: { NANOPOD_WELCOME_CREDITS: '0' },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  it('balances the ledger, never runs a node unpaid and never sells a block twice', async () => {
    const clock = platform.clock as ManualClock;
    clock.set(Math.floor(clock.nowMs() / HOUR) * HOUR);
    const r = rng(2026);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const http = () => platform.http();
    const admin = await platform.createUser({ roles: ['admin', 'developer'] });
    const topUp = (u: TestUser) =>
      http()
        .post('/v1/billing/admin/top-ups')
        .set(admin.auth)
        .send({ user_id: u.id, amount: 50_000_000, idempotency_key: `day-${u.id}`, note: 'sim' })
        .expect(201);
    const buyers: TestUser[] = [];
    for (let i = 0; i < 4; i++) {
      const u = await platform.createUser();
      await topUp(u);
      buyers.push(u);
    }
    const partners = Array.from({ length: 3 }, () => randomUUID());
    let partnerPrice = 1200;

    // Two tenants, each a capacity, a template, a deployment and a procurement.
    const tenants: { user: TestUser; capacityId: string }[] = [];
    for (const [i, max] of [1800, 2600].entries()) {
      const user = await platform.createUser();
      await topUp(user);
      const cap = await http()
        .post('/v1/capacities')
        .set(user.auth)
        .send({ name: `cap${i}`, zone: ZONE, instance_type: TYPE, max_nodes: 8 })
        .expect(201);
      await http()
        .post('/v1/node-templates')
        .set(user.auth)
        .send({ name: 'worker', image: 'ubuntu', cloud_init: '#!/bin/sh\necho up\n' })
        .expect(201);
      await http()
        .post('/v1/deployments')
        .set(user.auth)
        .send({ name: 'svc', capacity: `cap${i}`, node_template: 'worker', target_node_count: 2 })
        .expect(201);
      await http()
        .post('/v1/procurements')
        .set(user.auth)
        .send({
          name: 'buy',
          capacity: `cap${i}`,
          max_buy_price: max,
          min_sell_price: 900,
          window: '2h',
        })
        .expect(201);
      tenants.push({ user, capacityId: cap.body.id });
    }

    const deployments = platform.app.get(DeploymentReconciler);
    const procurements = platform.app.get(ProcurementReconciler);
    const market = platform.app.get(MarketService);
    const db = platform.app.get(DataSource);
    const open: { user: TestUser; id: string }[] = [];
    let unpaid = 0;
    let preempted = 0;
    let statuses = 0;

    for (let step = 0; step < (24 * HOUR) / STEP; step++) {
      if (step % 12 === 0) {
        // Each hour partners' prices drift and they offer the next hours.
        partnerPrice = Math.max(600, Math.min(3200, partnerPrice + int(-400, 400)));
        for (const p of partners) {
          if (r() < 0.7) {
            await http()
              .post('/v1/orders')
              .set(admin.auth)
              .send({
                side: 'sell',
                zone: ZONE,
                instance_type: TYPE,
                partner_id: p,
                nodes: int(1, 6),
                start: r() < 0.5 ? 'now' : `in ${int(1, 3)}h`,
                duration: `${int(1, 6)}h`,
                price: partnerPrice + int(-200, 200),
              })
              .expect(201);
          }
        }
      }
      if (r() < 0.5) {
        const u = buyers[int(0, buyers.length - 1)];
        const res = await http()
          .post('/v1/orders')
          .set(u.auth)
          .send({
            side: 'buy',
            zone: ZONE,
            instance_type: TYPE,
            nodes: int(1, 3),
            start: r() < 0.5 ? 'now' : `in ${int(1, 6)}h`,
            duration: `${int(1, 4)}h`,
            price: int(500, 3500),
            flags: { ioc: r() < 0.2 },
          });
        expect(res.status).toBe(201);
        statuses++;
        if (res.body.status === 'open') open.push({ user: u, id: res.body.id });
      }
      if (r() < 0.1 && open.length) {
        const { user, id } = open.splice(int(0, open.length - 1), 1)[0];
        const res = await http().delete(`/v1/orders/${id}`).set(user.auth);
        expect([200, 409]).toContain(res.status);
      }
      if (r() < 0.05) {
        const t = tenants[int(0, 1)];
        await http()
          .patch('/v1/deployments/svc')
          .set(t.user.auth)
          .send({ target_node_count: int(0, 6) })
          .expect(200);
      }
      // At :05, :15, ... :55: a pass in the last five minutes of every block gives the nodes the
      // next block does not hold their notice, so they stop when the block ends (as the
      // reconciler's 5 s tick does); with none, they would run on into the next hour for the
      // notice grace.
      if (step % RECONCILE_EVERY === RECONCILE_EVERY - 1) {
        await procurements.loop.runNow();
        await deployments.loop.runNow();
        await deployments.loop.runNow();

        // No node runs on time its capacity does not hold.
        const hour = Math.floor(clock.nowMs() / HOUR);
        for (const t of tenants) {
          const [held] = await market.coverage(t.capacityId, hour, 1);
          const [{ running }] = (await db.query(
            `SELECT count(*)::int AS running FROM compute_deployment_nodes WHERE capacity_id = $1 AND state IN ('running', 'pending')`,
            [t.capacityId],
          )) as { running: number }[];
          if (running > held) unpaid++;
        }
      }
      clock.advance(STEP);
    }

    const [{ n }] = (await db.query(
      `SELECT count(*)::int AS n FROM compute_deployment_nodes WHERE state = 'preempted'`,
    )) as { n: number }[];
    preempted = n;
    expect(unpaid).toBe(0);
    expect(statuses).toBeGreaterThan(100);
    expect(await market.oversoldBlocks()).toBe(0);
    // Every filled buy got exactly its nodes in every block of its window.
    const [{ bad }] = (await db.query(
      `SELECT count(*)::int AS bad FROM market_orders o
        WHERE o.side = 'buy' AND o.status = 'filled'
          AND o.executed_node_hours <> o.nodes * (EXTRACT(EPOCH FROM (o.end_at - o.start_at)) / 3600)::int`,
    )) as { bad: number }[];
    expect(bad).toBe(0);
    const audit = await platform.app.get(LedgerService).audit();
    expect(audit).toMatchObject({ totalMicro: 0, unbalancedEntries: 0, driftedAccounts: 0 });
    const [{ fills }] = (await db.query(`SELECT count(*)::int AS fills FROM market_fills`)) as {
      fills: number;
    }[];
    expect(fills).toBeGreaterThan(50);
    // The day had interruptions (prices passed the cheaper tenant's limit).
    expect(preempted).toBeGreaterThan(0);
  }, 900_000);
});
