import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LedgerService } from '@nanopod/billing';
import { MarketService } from '@nanopod/market';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

const ZONE = 'richmond';
const TYPE = 'rtx4090x2';

describe.each(databaseKinds())('the market API on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let partnerId: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind, env: { NANOPOD_WELCOME_CREDITS: '0' } });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    partnerId = randomUUID();
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  const topUp = (userId: string, amount: number) =>
    platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: userId, amount, idempotency_key: `seed-${userId}-${amount}`, note: 'test' })
      .expect(201);

  const order = (user: TestUser, body: Record<string, unknown>) =>
    platform.http().post('/v1/orders').set(user.auth).send(body);

  const sell = (body: Record<string, unknown> = {}) =>
    order(admin, {
      side: 'sell',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 4,
      start: 'now',
      duration: '48h',
      price: 1500,
      partner_id: partnerId,
      ...body,
    });

  it('reserves a block "in 5h": the buy fills from a partner sell and the ledger settles it once', async () => {
    const buyer = await platform.createUser();
    await topUp(buyer.id, 200_000);
    expect((await sell()).status).toBe(201);
    const res = await order(buyer, {
      side: 'buy',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 2,
      start: 'in 5h',
      duration: '90m',
      price: 2000,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'order',
      side: 'buy',
      status: 'filled',
      duration_hours: 2,
      executed: true,
      executed_node_hours: 4,
      // 4 node-hours x 2 GPUs x 15.00 (the resting sell's price).
      execution_cost: 12_000,
      execution_price: 1500,
    });
    const hour = Math.floor(platform.clock.nowMs() / 3_600_000);
    expect(Date.parse(res.body.start_at)).toBe((hour + 5) * 3_600_000);

    const ledger = platform.app.get(LedgerService);
    const wallet = await ledger.account({ kind: 'user_wallet', ownerId: buyer.id });
    // Standard tier pays the list price: 12,000 credits of 200,000.
    expect(wallet!.balanceMicro).toBe((200_000 - 12_000) * 1e6);
    const entries = await ledger.entriesForUser(buyer.id, 10);
    const fill = entries.filter((e) => e.kind === 'market_fill');
    expect(fill).toHaveLength(1);
    const partner = fill[0].lines.find((l) => l.kind === 'partner_earnings');
    expect(partner).toMatchObject({ ownerId: partnerId, amountMicro: 10_800 * 1e6 });
    expect((await ledger.audit()).totalMicro).toBe(0);

    const price = await platform
      .http()
      .get(`/v1/market/price?zone=${ZONE}&instance_type=${TYPE}`)
      .set(buyer.auth)
      .expect(200);
    expect(price.body.spot_price).toBe(1500);
    expect(price.body.history.at(-1)).toMatchObject({ price: 1500, nodes: 4 });
  });

  it('rests a buy below the ask, shows it in the depth, cancels it, and refuses a second cancel', async () => {
    const buyer = await platform.createUser();
    await topUp(buyer.id, 100_000);
    const res = await order(buyer, {
      side: 'buy',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 900,
    });
    expect(res.body.status).toBe('open');
    const depth = await platform
      .http()
      .get(`/v1/market/book?zone=${ZONE}&instance_type=${TYPE}`)
      .set(buyer.auth)
      .expect(200);
    expect(depth.body.bids).toContainEqual({ price: 900, nodes: 1 });
    expect(depth.body.asks[0].price).toBe(1500);
    const list = await platform.http().get('/v1/orders?status=open').set(buyer.auth).expect(200);
    expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([res.body.id]);
    const cancelled = await platform.http().delete(`/v1/orders/${res.body.id}`).set(buyer.auth);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await platform.http().delete(`/v1/orders/${res.body.id}`).set(buyer.auth);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('market.order_not_cancellable');
  });

  it("answers 404 for another user's order", async () => {
    const owner = await platform.createUser();
    const other = await platform.createUser();
    await topUp(owner.id, 10_000);
    const res = await order(owner, {
      side: 'buy',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 10,
    });
    expect(res.status).toBe(201);
    expect((await platform.http().get(`/v1/orders/${res.body.id}`).set(other.auth)).status).toBe(
      404,
    );
    const del = await platform.http().delete(`/v1/orders/${res.body.id}`).set(other.auth);
    expect(del.status).toBe(404);
    expect(del.body.error.code).toBe('market.order_not_found');
  });

  it('answers 422 with the field for durations under an hour, past starts, negative prices', async () => {
    const user = await platform.createUser();
    const base = {
      side: 'buy',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 1,
      duration: '2h',
      price: 100,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ duration: '30m' }, 'duration'],
      [{ duration: 1800 }, 'duration'],
      [{ start: '2020-01-01T00:00:00Z' }, 'start'],
      [{ price: -5 }, 'price'],
      [{ nodes: 0 }, 'nodes'],
      [{ nodes: 1.5 }, 'nodes'],
      [{ instance_type: 'quantum9000' }, 'instance_type'],
      [{ flags: { ioc: true, post_only: true } }, 'flags'],
    ];
    for (const [patch, field] of cases) {
      const res = await order(user, { ...base, ...patch });
      expect({ patch, status: res.status }).toEqual({ patch, status: 422 });
      expect(res.body.error.code).toBe('market.invalid_order');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const wrongType = await order(user, { ...base, price: 'cheap' });
    expect(wrongType.status).toBe(400);
  });

  it('denies a buy the wallet cannot cover with the policy reasons (403)', async () => {
    const broke = await platform.createUser();
    const res = await order(broke, {
      side: 'buy',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 1000,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('market.policy_denied');
    expect(res.body.error.details.reasons).toContain('insufficient_balance');
  });

  it('only lets admins sell for a partner, and lets users resell only time they hold', async () => {
    const user = await platform.createUser();
    const forPartner = await order(user, {
      side: 'sell',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 100,
      partner_id: partnerId,
    });
    expect(forPartner.status).toBe(403);
    const resale = await order(user, {
      side: 'sell',
      zone: ZONE,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 100,
    });
    expect(resale.status).toBe(201);
    expect(resale.body).toMatchObject({ status: 'rejected', status_reason: 'not_held' });
  });

  it('rebuilds a book from the database and sells no block twice', async () => {
    const market = platform.app.get(MarketService);
    const zone = `rebuild-${kind}`;
    const buyer = await platform.createUser();
    await topUp(buyer.id, 100_000);
    await sell({ zone, nodes: 1, duration: '2h', price: 100 });
    const first = await order(buyer, {
      side: 'buy',
      zone,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 100,
    });
    expect(first.body.status).toBe('filled');
    // Another replica's write: the version moves, so this process rebuilds the book.
    await platform.app
      .get(DataSource)
      .query(`UPDATE market_books SET version = version + 100 WHERE zone = $1`, [zone]);
    const second = await order(buyer, {
      side: 'buy',
      zone,
      instance_type: TYPE,
      nodes: 1,
      duration: '1h',
      price: 100,
    });
    expect(second.body.status).toBe('open');
    const third = await order(buyer, {
      side: 'buy',
      zone,
      instance_type: TYPE,
      nodes: 1,
      start: 'in 1h',
      duration: '1h',
      price: 100,
    });
    expect(third.body.status).toBe('filled');
    expect(await market.oversoldBlocks()).toBe(0);
  });
});
