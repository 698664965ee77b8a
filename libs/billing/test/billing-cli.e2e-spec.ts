import { runCli } from '../../../test/support/cli-process';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { recordUsage, usageRecord } from './support/usage';

describe('nanopod billing (CLI)', () => {
  let platform: TestPlatform;
  let user: TestUser;

  beforeAll(async () => {
    platform = await startTestPlatform({
      env: { NANOPOD_WELCOME_CREDITS: '0', NANOPOD_API_METER_FLUSH_MS: '3600000' },
    });
    user = await platform.createUser();
    const admin = await platform.createUser({ roles: ['admin', 'developer'] });
    await platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: user.id, amount: 2000, idempotency_key: `cli-${user.id}` })
      .expect(201);
    await recordUsage(platform, [
      usageRecord(user.id, {
        occurredAt: new Date(Date.now() - 3600_000),
        quantity: 1200,
        properties: { gpu_type: 'a100' },
        subsidy: { tier: 'passport', rate_multiplier: 0.5 },
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const cli = (args: string[]) =>
    runCli(args, {
      NANOPOD_URL: platform.url,
      NANOPOD_API_KEY: user.apiKey,
      HOME: '/nonexistent-home',
    }).done;

  it('prints the balance as JSON and as a table', async () => {
    const json = await cli(['billing', 'balance', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      user_id: user.id,
      balance: 1970,
      available: 1970,
    });
    const table = await cli(['billing', 'balance']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/available\s+1970\.00 \(\$19\.70\)/);
  }, 60_000);

  it('prints usage by kind with what the subsidy saved', async () => {
    const res = await cli(['billing', 'usage', '--group-by', 'kind']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('gpu_seconds');
    expect(res.stdout).toMatch(/subsidy saved 30\.00/);
    const json = await cli(['billing', 'usage', '--group-by', 'kind', '--json']);
    expect(JSON.parse(json.stdout).totals).toMatchObject({
      list_credits: 60,
      paid_credits: 30,
      saved_credits: 30,
    });
  }, 60_000);

  it('lists invoices (monthly statements without Lago)', async () => {
    const res = await cli(['billing', 'invoices', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)[0]).toMatchObject({ source: 'ledger', total_cents: 30 });
  }, 60_000);

  it('reports a bad flag on stderr with a non-zero exit', async () => {
    const res = await cli(['billing', 'usage', '--group-by', 'week']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--group-by must be day or kind');
  }, 60_000);
});
