import { DataSource } from 'typeorm';
import { LagoFake } from '../../../test/fakes/lago/lago-fake';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { recordUsage, usageRecord } from './support/usage';
import { waitFor } from './support/wait';

describe.each(databaseKinds())('usage outbox shipping to Lago (%s)', (kind) => {
  let lago: LagoFake;
  let platform: TestPlatform;
  let admin: TestUser;

  beforeAll(async () => {
    lago = await new LagoFake().start();
    platform = await startTestPlatform({
      kind,
      env: {
        NANOPOD_LAGO_API_URL: lago.url,
        NANOPOD_LAGO_API_KEY: lago.apiKey,
        NANOPOD_BILLING_SHIP_INTERVAL_MS: '20',
        NANOPOD_LAGO_TIMEOUT_MS: '300',
        // Only the usage the tests record: no api_requests minutes flushed mid-test.
        NANOPOD_API_METER_FLUSH_MS: '3600000',
      },
    });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await lago?.stop();
  });

  afterEach(() => {
    lago.failNext(0);
    lago.slow(0);
  });

  const outboxStatus = async () =>
    (await platform.http().get('/v1/billing/admin/outbox').set(admin.auth).expect(200)).body as {
      pending: number;
      shipped: number;
      parked: number;
      parked_events: { transaction_id: string; reason: string }[];
    };

  const acceptedOnce = (ids: string[]) => ids.every((id) => lago.acceptedCount.get(id) === 1);

  it('ships usage in batches of at most 100 and creates the customer and subscription once', async () => {
    const user = await platform.createUser();
    const records = Array.from({ length: 250 }, () => usageRecord(user.id, { quantity: 1 }));
    await recordUsage(platform, records);
    const ids = records.map((r) => r.transactionId);
    const batchesBefore = lago.batchSizes.length;
    await waitFor(() => acceptedOnce(ids), 20_000, 'all events accepted');
    const batches = lago.batchSizes.slice(batchesBefore);
    expect(Math.max(...batches)).toBeLessThanOrEqual(100);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    const sub = lago.subscriptions.get(`nanopod-${user.id}-on_demand`);
    expect(sub).toMatchObject({ external_customer_id: user.id, plan_code: 'on_demand' });
    expect(lago.customers.has(user.id)).toBe(true);
    const event = lago.accepted.find((e) => e.transaction_id === ids[0]);
    expect(event).toMatchObject({
      code: 'gpu_seconds',
      external_subscription_id: `nanopod-${user.id}-on_demand`,
      properties: expect.objectContaining({
        seconds: '1',
        gpu_type: 'h100',
        tier: 'standard',
        rate_multiplier: '1',
      }),
    });
    expect(typeof event!.timestamp).toBe('number');
    const metrics = await platform.metrics();
    expect(metrics).toMatch(/nanopod_billing_events_shipped_total [1-9]\d*/);
    const subscriptionCalls = lago.requests.filter((r) => r.path === '/api/v1/subscriptions');
    expect(subscriptionCalls).toHaveLength(1);
    expect(lago.duplicatesAccepted()).toEqual([]);
  });

  it('loses nothing while Lago answers 500 for a while', async () => {
    const user = await platform.createUser();
    lago.failNext(6, 500);
    const records = Array.from({ length: 120 }, () =>
      usageRecord(user.id, { metric: 'sandbox_seconds', quantity: 5, properties: {} }),
    );
    await recordUsage(platform, records);
    await waitFor(
      () => acceptedOnce(records.map((r) => r.transactionId)),
      30_000,
      'events after 500s',
    );
    expect(lago.requests.filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(1);
    expect(lago.duplicatesAccepted()).toEqual([]);
  });

  it('loses nothing while Lago is down (connection refused) and ships when it is back', async () => {
    const user = await platform.createUser();
    const port = Number(new URL(lago.url).port);
    await lago.stop();
    const records = Array.from({ length: 40 }, () => usageRecord(user.id, { quantity: 4 }));
    await recordUsage(platform, records);
    await waitFor(async () => (await outboxStatus()).pending >= 40, 10_000, 'events pending');
    await new Promise((r) => setTimeout(r, 300));
    await lago.start(port);
    await waitFor(
      () => acceptedOnce(records.map((r) => r.transactionId)),
      30_000,
      'events after the outage',
    );
    expect(lago.duplicatesAccepted()).toEqual([]);
  });

  it('retries after 429 and timeouts without billing twice', async () => {
    const user = await platform.createUser();
    lago.failNext(2, 429);
    const records = Array.from({ length: 30 }, () => usageRecord(user.id, { quantity: 2 }));
    await recordUsage(platform, records);
    await waitFor(
      () => acceptedOnce(records.map((r) => r.transactionId)),
      30_000,
      'events after 429',
    );
    // Slower than the client's timeout: Lago stores the batch, we time out and send it again.
    lago.slow(600);
    const more = Array.from({ length: 30 }, () => usageRecord(user.id, { quantity: 3 }));
    await recordUsage(platform, more);
    await waitFor(
      () => more.every((r) => (lago.received.get(r.transactionId) ?? 0) >= 2),
      30_000,
      'a resend',
    );
    lago.slow(0);
    await waitFor(async () => (await outboxStatus()).pending === 0, 30_000, 'outbox drained');
    expect(acceptedOnce(more.map((r) => r.transactionId))).toBe(true);
    expect(lago.duplicatesAccepted()).toEqual([]);
  });

  it('parks an event Lago refuses with the reason, ships the rest, and ships it once retried', async () => {
    const user = await platform.createUser();
    const records = Array.from({ length: 10 }, () => usageRecord(user.id, { quantity: 7 }));
    const poison = records[4]!.transactionId;
    lago.rejectTransaction(poison, { properties: ['invalid_value'] });
    await recordUsage(platform, records);
    const others = records.filter((r) => r.transactionId !== poison).map((r) => r.transactionId);
    await waitFor(() => acceptedOnce(others), 20_000, 'the good events');
    await waitFor(async () => (await outboxStatus()).parked >= 1, 20_000, 'the poison parked');
    const status = await outboxStatus();
    expect(status.parked_events).toContainEqual(
      expect.objectContaining({
        transaction_id: poison,
        reason: expect.stringContaining('invalid_value'),
      }),
    );
    expect(lago.acceptedCount.get(poison)).toBeUndefined();

    lago.rejectTransaction(poison, {});
    const retry = await platform
      .http()
      .post('/v1/billing/admin/outbox/retry-parked')
      .set(admin.auth)
      .send({ transaction_ids: [poison] })
      .expect(200);
    expect(retry.body).toEqual({ requeued: 1 });
    await waitFor(() => lago.acceptedCount.get(poison) === 1, 20_000, 'the retried event');
    expect((await outboxStatus()).parked).toBe(0);
  });

  it('keeps the subsidy tier and rate in the event and bills subsidized work on the subsidized plan', async () => {
    const user = await platform.createUser();
    const record = usageRecord(user.id, {
      subsidy: { tier: 'grant', rate_multiplier: 0, decision_id: 'd-1' },
    });
    await recordUsage(platform, [record]);
    await waitFor(() => lago.acceptedCount.get(record.transactionId) === 1, 20_000, 'the event');
    const event = lago.accepted.find((e) => e.transaction_id === record.transactionId);
    expect(event).toMatchObject({
      external_subscription_id: `nanopod-${user.id}-subsidized`,
      properties: expect.objectContaining({ tier: 'grant', rate_multiplier: '0' }),
    });
    const rows = (await platform.app
      .get(DataSource)
      .query(`SELECT status FROM billing_outbox WHERE transaction_id = $1`, [
        record.transactionId,
      ])) as { status: string }[];
    await waitFor(async () => {
      const again = (await platform.app
        .get(DataSource)
        .query(`SELECT status FROM billing_outbox WHERE transaction_id = $1`, [
          record.transactionId,
        ])) as { status: string }[];
      return again[0]?.status === 'shipped';
    });
    expect(rows).toHaveLength(1);
  });

  it('reads invoices from Lago when it is configured', async () => {
    const user = await platform.createUser();
    const inv = lago.addInvoice(user.id, { total_amount_cents: 4200 });
    const res = await platform.http().get('/v1/billing/invoices').set(user.auth).expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({
        id: inv.lago_id,
        source: 'lago',
        total_cents: 4200,
        number: inv.number,
      }),
    ]);
  });
});
