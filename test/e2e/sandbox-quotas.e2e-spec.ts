import type WebSocket from 'ws';
import type { EnrollResponse } from '@nanopod/federation';
import { runCli } from '../support/cli-process';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { connectFakeAgent, fakeInventory } from './support/fake-agent';
import { fund } from './support/node-agent-process';

/**
 * Per-user quotas and money under concurrency: one user's creates race each other on a node
 * with room for all of them; only the user's quota and balance may stop them, exactly.
 */
describe.each(databaseKinds('both'))('per-user quotas and reservations on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  const agents: WebSocket[] = [];

  beforeAll(async () => {
    // Every new user starts with 3 credits.
    platform = await startTestPlatform({
      kind,
      env: {
        NANOPOD_WELCOME_CREDITS: '3',
        // The fake agent does not heartbeat: keep its node healthy for the whole suite.
        NANOPOD_NODE_HEARTBEAT_MS: '600000',
      },
    });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    const partner = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `quotas-${kind}` });
    expect(partner.status).toBe(201);
    const tok = await platform
      .http()
      .post(`/v1/partners/${partner.body.id}/enrollment-tokens`)
      .set(admin.auth)
      .send({});
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok.body.token, name: 'quota-node', inventory: fakeInventory() });
    expect(res.status).toBe(201);
    agents.push(await connectFakeAgent(platform.url, res.body as EnrollResponse));
  }, 60000);

  afterAll(async () => {
    for (const ws of agents) ws.close();
    await platform?.close();
  });

  async function race(user: TestUser, n: number, body: object) {
    const all = await Promise.all(
      Array.from({ length: n }, () =>
        platform.http().post('/v1/sandboxes').set(user.auth).send(body),
      ),
    );
    return {
      created: all.filter((r) => r.status === 201),
      refused: all.filter((r) => r.status === 409),
      other: all.filter((r) => r.status !== 201 && r.status !== 409),
    };
  }

  async function removeAll(user: TestUser, ids: string[]) {
    for (const id of ids) {
      const res = await platform.http().delete(`/v1/sandboxes/${id}`).set(user.auth);
      expect(res.status).toBeLessThan(300);
    }
  }

  it('stops 60 concurrent creates by one user exactly at their sandbox quota', async () => {
    const dev = await platform.createUser();
    await fund(platform, admin, dev);
    const set = await platform
      .http()
      .put(`/v1/admin/users/${dev.id}/quota`)
      .set(admin.auth)
      .send({ max_sandboxes: 7 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ max_sandboxes: 7, overridden: ['max_sandboxes'] });
    const me = await platform.http().get('/v1/me').set(dev.auth);
    expect(me.body.quota).toMatchObject({ max_sandboxes: 7, overridden: ['max_sandboxes'] });

    const { created, refused, other } = await race(dev, 60, {
      ttl_seconds: 60,
      resources: { cpu: 0.5, memory_mb: 128 },
    });
    expect(other.map((r) => r.body)).toEqual([]);
    expect(created).toHaveLength(7);
    expect(refused).toHaveLength(53);
    for (const r of refused) expect(r.body.error.code).toBe('sandbox.quota_exceeded');
    expect(refused[0].body.error.details).toMatchObject({ exceeded: ['sandboxes'] });
    await removeAll(
      dev,
      created.map((r) => r.body.id as string),
    );
    // Ended sandboxes count no more.
    const again = await race(dev, 1, { ttl_seconds: 60, resources: { cpu: 0.5, memory_mb: 128 } });
    expect(again.refused.map((r) => r.body)).toEqual([]);
    expect(again.created).toHaveLength(1);
    await removeAll(
      dev,
      again.created.map((r) => r.body.id as string),
    );
  });

  it('holds total memory to the quota across concurrent creates, and only admins set quotas', async () => {
    const dev = await platform.createUser();
    await fund(platform, admin, dev);
    const forbidden = await platform
      .http()
      .put(`/v1/admin/users/${dev.id}/quota`)
      .set(dev.auth)
      .send({ max_memory_mb: 1_000_000 });
    expect(forbidden.status).toBe(403);
    const bad = await platform
      .http()
      .put(`/v1/admin/users/${dev.id}/quota`)
      .set(admin.auth)
      .send({ max_memory_mb: -1 });
    expect(bad.status).toBe(400);
    await platform
      .http()
      .put(`/v1/admin/users/${dev.id}/quota`)
      .set(admin.auth)
      .send({ max_memory_mb: 1024 })
      .expect(200);
    const { created, refused, other } = await race(dev, 12, {
      ttl_seconds: 60,
      resources: { cpu: 0.5, memory_mb: 256 },
    });
    expect(other.map((r) => r.body)).toEqual([]);
    expect(created).toHaveLength(4);
    expect(refused).toHaveLength(8);
    for (const r of refused) {
      expect(r.body.error.code).toBe('sandbox.quota_exceeded');
      expect(r.body.error.details.exceeded).toEqual(['memory_mb']);
    }
    await removeAll(
      dev,
      created.map((r) => r.body.id as string),
    );
  });

  it('lets admins set a quota with `nanopod users quota set` and shows it in `nanopod whoami`', async () => {
    const dev = await platform.createUser();
    const as = (user: TestUser) => ({
      NANOPOD_URL: platform.url,
      NANOPOD_API_KEY: user.apiKey,
      NANOPOD_CONFIG_DIR: '/nonexistent-nanopod-config',
    });
    const set = await runCli(
      ['users', 'quota', 'set', dev.id, '--sandboxes', '3', '--gpus', '0', '--json'],
      as(admin),
    ).done;
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ max_sandboxes: 3, max_gpus: 0 });
    const refused = await runCli(['users', 'quota', 'set', dev.id, '--sandboxes', '9'], as(dev))
      .done;
    expect(refused.code).not.toBe(0);
    const who = await runCli(['whoami', '--json'], as(dev)).done;
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout).quota).toMatch(/^3 sandboxes, \d+ CPU, \d+ MB, 0 GPUs$/);
    const back = await runCli(
      ['users', 'quota', 'set', dev.id, '--sandboxes', 'default', '--json'],
      as(admin),
    ).done;
    expect(JSON.parse(back.stdout)).toMatchObject({ max_sandboxes: 20, overridden: ['max_gpus'] });
  }, 120_000);

  it('lets a user with 3 credits commit no more than 3 credits of estimated cost at once', async () => {
    const dev = await platform.createUser();
    const balance = await platform.http().get('/v1/billing/balance').set(dev.auth);
    expect(balance.body.available).toBe(3);
    // 1400 s at 0.0005 credits/s list price, full rate: 0.7 credits each; 4 fit in 3 credits.
    const { created, refused, other } = await race(dev, 10, {
      ttl_seconds: 1400,
      resources: { cpu: 0.5, memory_mb: 128 },
    });
    expect(other.map((r) => r.body)).toEqual([]);
    expect(created).toHaveLength(4);
    expect(refused).toHaveLength(6);
    for (const r of created) expect(r.body.reserved_cost).toBeCloseTo(0.7, 6);
    for (const r of refused) expect(r.body.error.code).toBe('sandbox.insufficient_funds');
    const committed = created.reduce((sum, r) => sum + (r.body.reserved_cost as number), 0);
    expect(committed).toBeLessThanOrEqual(3);
    // Ending one releases its reservation: one more fits, not two.
    await removeAll(dev, [created[0].body.id as string]);
    const after = await race(dev, 2, {
      ttl_seconds: 1400,
      resources: { cpu: 0.5, memory_mb: 128 },
    });
    expect(after.created).toHaveLength(1);
    expect(after.refused).toHaveLength(1);
    await removeAll(dev, [
      ...created.slice(1).map((r) => r.body.id as string),
      ...after.created.map((r) => r.body.id as string),
    ]);
    const audit = await platform.http().get('/v1/billing/admin/ledger/audit').set(admin.auth);
    expect(audit.body).toEqual({
      total: 0,
      unbalanced_entries: 0,
      drifted_accounts: 0,
      below_limit: 0,
    });
  });
});
