import { DataSource } from 'typeorm';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ApiRequestMeter, USAGE_METRICS } from '@nanopod/billing';
import { PolicyInputRegistry } from '@nanopod/policy';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { ledgerAudit, recordUsage, usageRecord } from './support/usage';

describe.each(databaseKinds())('billing API (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;

  beforeAll(async () => {
    // Exact balances below: the welcome credit has its own spec (welcome-credit.e2e-spec.ts).
    platform = await startTestPlatform({
      kind,
      env: { NANOPOD_WELCOME_CREDITS: '0', NANOPOD_API_METER_FLUSH_MS: '3600000' },
    });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const topUp = (userId: string, amount: number, key: string) =>
    platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: userId, amount, idempotency_key: key, note: 'test' });

  it('charges the user rate x list price, the subsidy pool the rest, and pays the partner its share', async () => {
    const user = await platform.createUser();
    await topUp(user.id, 10_000, `seed-${user.id}`).expect(201);
    // One hour of H100 at 0.0833333333 credits/s = 300 credits list; the user pays 25%.
    await recordUsage(platform, [
      usageRecord(user.id, {
        subsidy: { tier: 'passport', rate_multiplier: 0.25 },
        properties: { gpu_type: 'h100', partner_id: `partner-${user.id}`, node_id: 'node-1' },
      }),
    ]);
    const [event] = (await platform.app.get(DataSource).query(
      `SELECT list_micro, paid_micro, subsidy_micro, partner_micro, platform_micro, tier, rate_multiplier
         FROM billing_usage_events WHERE user_id = $1`,
      [user.id],
    )) as Record<string, string>[];
    expect(event).toMatchObject({
      list_micro: '300000000',
      paid_micro: '75000000',
      subsidy_micro: '225000000',
    });
    // The partner earns the list price minus the platform's 10% fee.
    expect(event).toMatchObject({
      partner_micro: '270000000',
      platform_micro: '30000000',
      tier: 'passport',
    });
    const [partner] = (await platform.app.get(DataSource).query(
      `SELECT SUM(l.amount_micro)::text AS earned FROM billing_journal_lines l
         JOIN billing_accounts a ON a.id = l.account_id
        WHERE a.kind = 'partner_earnings' AND a.owner_id = $1`,
      [`partner-${user.id}`],
    )) as { earned: string }[];
    expect(partner!.earned).toBe('270000000');
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body).toMatchObject({ user_id: user.id, currency: 'credits', owed: 0 });
    expect(balance.body.balance).toBeCloseTo(10_000 - 75, 4);

    const ledger = await platform.http().get('/v1/billing/ledger').set(user.auth).expect(200);
    const usage = ledger.body.data.find((e: { kind: string }) => e.kind === 'usage');
    expect(usage.lines).toEqual([expect.objectContaining({ account: `user_wallet:${user.id}` })]);
    expect(usage.lines[0].amount).toBeCloseTo(-75, 4);

    const audit = await platform
      .http()
      .get('/v1/billing/admin/ledger/audit')
      .set(admin.auth)
      .expect(200);
    expect(audit.body).toEqual({
      total: 0,
      unbalanced_entries: 0,
      drifted_accounts: 0,
      below_limit: 0,
    });
  });

  it('records each transaction id once however often it is recorded', async () => {
    const user = await platform.createUser();
    const record = usageRecord(user.id, {
      metric: 'sandbox_seconds',
      quantity: 100,
      properties: {},
    });
    await recordUsage(platform, [record, record]);
    await recordUsage(platform, [record]);
    const res = await platform
      .http()
      .get('/v1/billing/usage?group_by=kind')
      .set(user.auth)
      .expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({ key: 'sandbox_seconds', quantity: 100, events: 1 }),
    ]);
  });

  it('reports usage by day and by kind with what the subsidy saved', async () => {
    const user = await platform.createUser();
    const day1 = new Date('2026-11-02T10:00:00Z');
    const day2 = new Date('2026-11-03T10:00:00Z');
    await recordUsage(platform, [
      usageRecord(user.id, {
        occurredAt: day1,
        quantity: 1800,
        subsidy: { tier: 'grant', rate_multiplier: 0 },
      }),
      usageRecord(user.id, {
        occurredAt: day2,
        metric: 'sandbox_seconds',
        quantity: 2000,
        properties: {},
      }),
      usageRecord(user.id, {
        occurredAt: day2,
        metric: 'egress_bytes',
        quantity: 1e9,
        properties: {},
      }),
    ]);
    const byDay = await platform
      .http()
      .get('/v1/billing/usage')
      .query({ from: '2026-11-01T00:00:00Z', to: '2026-11-05T00:00:00Z', group_by: 'day' })
      .set(user.auth)
      .expect(200);
    expect(
      byDay.body.data.map((r: { key: string; metric: string }) => `${r.key}/${r.metric}`),
    ).toEqual(['2026-11-02/gpu_seconds', '2026-11-03/egress_bytes', '2026-11-03/sandbox_seconds']);
    expect(byDay.body.totals.list_credits).toBeCloseTo(150 + 1 + 10, 4);
    expect(byDay.body.totals.saved_credits).toBeCloseTo(150, 4);
    expect(byDay.body.totals.paid_credits).toBeCloseTo(11, 4);
  });

  it('sends usage a wallet cannot cover to what the user owes, and the next top-up settles it', async () => {
    const user = await platform.createUser();
    await recordUsage(platform, [
      usageRecord(user.id, { quantity: 60, properties: { gpu_type: 'a100' } }),
    ]);
    let balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body).toMatchObject({ balance: 0, owed: 3, available: -3 });
    await topUp(user.id, 10, `settle-${user.id}`).expect(201);
    balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body).toMatchObject({ balance: 7, owed: 0, available: 7 });
    expect(await ledgerAudit(platform)).toMatchObject({
      total: 0,
      unbalanced: 0,
      drifted: 0,
      below: 0,
    });
  });

  it('replays a top-up with the same idempotency key without crediting twice', async () => {
    const user = await platform.createUser();
    const first = await topUp(user.id, 500, `replay-${user.id}`).expect(201);
    const second = await topUp(user.id, 500, `replay-${user.id}`).expect(201);
    expect(first.body.replayed).toBe(false);
    expect(second.body).toMatchObject({ id: first.body.id, replayed: true });
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body.balance).toBe(500);
  });

  it('refuses top-ups from non-admins and with bad input', async () => {
    const user = await platform.createUser();
    await topUp(user.id, 10, 'x').set(user.auth).expect(403);
    const bad = await platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: user.id, amount: -5, idempotency_key: 'neg' })
      .expect(400);
    expect(bad.body.error.code).toBeDefined();
    await platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: user.id, amount: 5, idempotency_key: 'k', extra: true })
      .expect(400);
  });

  it("shows another user's billing to admins only (a 404 for everyone else)", async () => {
    const a = await platform.createUser();
    const b = await platform.createUser();
    await platform.http().get(`/v1/billing/balance?user_id=${b.id}`).set(a.auth).expect(404);
    await platform.http().get(`/v1/billing/usage?user_id=${b.id}`).set(a.auth).expect(404);
    const asAdmin = await platform
      .http()
      .get(`/v1/billing/balance?user_id=${b.id}`)
      .set(admin.auth)
      .expect(200);
    expect(asAdmin.body.user_id).toBe(b.id);
  });

  it('lets an admin-set credit limit take a wallet below zero, and no further', async () => {
    const user = await platform.createUser();
    await platform
      .http()
      .put(`/v1/billing/admin/credit-limits/${user.id}`)
      .set(admin.auth)
      .send({ credit_limit: 100 })
      .expect(200);
    await recordUsage(platform, [
      usageRecord(user.id, { quantity: 1200, properties: { gpu_type: 'a100' } }),
    ]);
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    // 60 credits of usage fit within the limit; the wallet is at -60 and owes nothing.
    expect(balance.body).toMatchObject({ balance: -60, owed: 0, credit_limit: 100, available: 40 });
    // The next 60 credits only fit 40 within the limit: the other 20 are owed.
    await recordUsage(platform, [
      usageRecord(user.id, { quantity: 1200, properties: { gpu_type: 'a100' } }),
    ]);
    const after = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(after.body).toMatchObject({ balance: -100, owed: 20, available: -20 });
  });

  it('computes monthly statements from the ledger when Lago is not configured', async () => {
    const user = await platform.createUser();
    await recordUsage(platform, [
      usageRecord(user.id, { quantity: 600, subsidy: { tier: 'passport', rate_multiplier: 0.5 } }),
    ]);
    const res = await platform.http().get('/v1/billing/invoices').set(user.auth).expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      source: 'ledger',
      status: 'statement',
      currency: 'credits',
    });
    expect(res.body.data[0].total_cents).toBeCloseTo(25, 4);
    expect(res.body.data[0].list_cents).toBeCloseTo(50, 4);
  });

  it('keeps usage events in the outbox while Lago is not configured', async () => {
    const user = await platform.createUser();
    await recordUsage(platform, [usageRecord(user.id)]);
    const res = await platform.http().get('/v1/billing/admin/outbox').set(admin.auth).expect(200);
    expect(res.body.lago_configured).toBe(false);
    expect(res.body.pending).toBeGreaterThan(0);
    expect(res.body.shipped).toBe(0);
    expect(res.body.oldest_pending_age_seconds).toBeGreaterThanOrEqual(0);
    await platform.http().get('/v1/billing/admin/outbox').set(user.auth).expect(403);
  });

  it('lets an admin change a list price, which prices later usage', async () => {
    const user = await platform.createUser();
    await platform
      .http()
      .put('/v1/billing/admin/prices')
      .set(admin.auth)
      .send({ metric: 'gpu_seconds', gpu_type: 'b200', unit_price_credits: 0.2 })
      .expect(200);
    await recordUsage(platform, [
      usageRecord(user.id, { quantity: 10, properties: { gpu_type: 'b200' } }),
    ]);
    const res = await platform
      .http()
      .get('/v1/billing/usage?group_by=kind')
      .set(user.auth)
      .expect(200);
    expect(res.body.totals.list_credits).toBeCloseTo(2, 6);
    const prices = await platform.http().get('/v1/billing/prices').set(user.auth).expect(200);
    expect(prices.body.data).toContainEqual({
      metric: 'gpu_seconds',
      gpu_type: 'b200',
      unit_price_credits: 0.2,
    });
  });

  it('gives the policy month-to-date usage and the balance as input parts', async () => {
    const user = await platform.createUser();
    await topUp(user.id, 1000, `policy-${user.id}`).expect(201);
    await recordUsage(platform, [
      usageRecord(user.id, { quantity: 7200, properties: { gpu_type: 'l4' } }),
      usageRecord(user.id, { metric: 'sandbox_seconds', quantity: 90, properties: {} }),
    ]);
    const input = await platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: user.id, githubLogin: user.githubLogin, roles: ['developer'] });
    expect(input.usage).toEqual({
      month_gpu_hours: 2,
      month_sandbox_seconds: 90,
      month_cost: expect.closeTo(160.045, 3),
    });
    expect(input.balance).toEqual({
      available: expect.closeTo(1000 - 160.045, 3),
      currency: 'credits',
      credit_limit: 0,
    });
  });

  it('counts API requests per window once, however often the window is recorded', async () => {
    const user = await platform.createUser();
    const meter = platform.app.get(ApiRequestMeter);
    const window = {
      userId: user.id,
      count: 42,
      windowStart: new Date(Date.now() - 60_000),
      windowEnd: new Date(),
      instanceId: 'test-instance',
    };
    await meter.record([window]);
    await meter.record([window]);
    const res = await platform
      .http()
      .get('/v1/billing/usage?group_by=kind')
      .set(user.auth)
      .expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({ key: 'api_requests', quantity: 42, events: 1 }),
    ]);
  });

  it('describes in deploy/lago the same metrics and on-demand prices as the price list', async () => {
    const dir = path.resolve(__dirname, '../../../deploy/lago');
    const metrics = JSON.parse(readFileSync(path.join(dir, 'billable-metrics.json'), 'utf8')) as {
      billable_metrics: { code: string; filters: { key: string }[] }[];
    };
    const plans = JSON.parse(readFileSync(path.join(dir, 'plans.json'), 'utf8')) as {
      plans: {
        code: string;
        charges: {
          billable_metric_code: string;
          charge_model: string;
          properties: { amount?: string };
          filters?: { values: { gpu_type: string[] }; properties: { amount: string } }[];
        }[];
      }[];
    };
    expect(metrics.billable_metrics.map((m) => m.code).sort()).toEqual([...USAGE_METRICS].sort());
    expect(metrics.billable_metrics.find((m) => m.code === 'gpu_seconds')!.filters[0]!.key).toBe(
      'gpu_type',
    );
    expect(plans.plans.map((p) => p.code).sort()).toEqual(['on_demand', 'spot', 'subsidized']);
    for (const plan of plans.plans) {
      expect(plan.charges.map((c) => c.billable_metric_code).sort()).toEqual(
        [...USAGE_METRICS].sort(),
      );
    }
    // on_demand in USD per unit = the price list in credits (cents) per unit / 100.
    const prices = (await platform.http().get('/v1/billing/prices').set(admin.auth).expect(200))
      .body.data as { metric: string; gpu_type: string; unit_price_credits: number }[];
    const onDemand = plans.plans.find((p) => p.code === 'on_demand')!;
    const gpu = onDemand.charges.find((c) => c.billable_metric_code === 'gpu_seconds')!;
    for (const f of gpu.filters ?? []) {
      const listed = prices.find(
        (p) => p.metric === 'gpu_seconds' && p.gpu_type === f.values.gpu_type[0],
      );
      expect(Number(f.properties.amount) * 100).toBeCloseTo(listed!.unit_price_credits, 6);
    }
    const sandbox = onDemand.charges.find((c) => c.billable_metric_code === 'sandbox_seconds')!;
    const sandboxPrice = prices.find((p) => p.metric === 'sandbox_seconds' && p.gpu_type === '')!;
    expect(Number(sandbox.properties.amount) * 100).toBeCloseTo(sandboxPrice.unit_price_credits, 8);
  });
});
