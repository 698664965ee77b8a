import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ProcurementReconciler, DeploymentReconciler } from '@nanopod/compute';
import { runCli } from '../../../test/support/cli-process';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

/** The `sf`-shaped verbs against a real platform, as a user would type them. */
describe('nanopod compute and market (CLI)', () => {
  let platform: TestPlatform;
  let user: TestUser;
  let dir: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ env: { NANOPOD_WELCOME_CREDITS: '0' } });
    user = await platform.createUser();
    const admin = await platform.createUser({ roles: ['admin', 'developer'] });
    await platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: user.id, amount: 1_000_000, idempotency_key: `cli-${user.id}` })
      .expect(201);
    await platform
      .http()
      .post('/v1/orders')
      .set(admin.auth)
      .send({
        side: 'sell',
        zone: 'richmond',
        instance_type: 'rtx4090x2',
        nodes: 8,
        duration: '24h',
        price: 1200,
        partner_id: randomUUID(),
      })
      .expect(201);
    dir = mkdtempSync(path.join(tmpdir(), 'nanopod-cli-'));
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  const cli = async (args: string[]) => {
    const r = await runCli(args, {
      NANOPOD_URL: platform.url,
      NANOPOD_API_KEY: user.apiKey,
      HOME: '/nonexistent-home',
    }).done;
    return r;
  };
  const ok = async (args: string[]) => {
    const r = await cli(args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    return r.stdout;
  };

  it('walks capacity, template, deployment and procurement, and shows the market', async () => {
    await ok(['capacities', 'create', '--name', 'inference', '--zone', 'richmond', '--max', '8']);
    const startup = path.join(dir, 'startup.sh');
    writeFileSync(startup, '#!/bin/bash\necho "ssh key added; server started"\n');
    await ok([
      'node-templates',
      'create',
      '--name',
      'inference-worker',
      '--image',
      'ubuntu-22.04.5-cuda-12.7',
      '--cloud-init',
      startup,
    ]);
    const created = JSON.parse(
      await ok([
        'deployments',
        'create',
        '--name',
        'inference',
        '--capacity',
        'inference',
        '--node-template',
        'inference-worker',
        '--target-node-count',
        '4',
        '--json',
      ]),
    );
    expect(created.target_node_count).toBe(4);
    await platform.app.get(DeploymentReconciler).loop.runNow();
    const proc = JSON.parse(
      await ok([
        'procurements',
        'create',
        '--name',
        'inference',
        '--capacity',
        'inference',
        '--target',
        'node_count',
        '--max-buy-price',
        '20.00',
        '--min-sell-price',
        '10.00',
        '--window',
        '2h',
        '--json',
      ]),
    );
    expect(proc).toMatchObject({ max_buy_price: 2000, min_sell_price: 1000 });
    await platform.app.get(ProcurementReconciler).loop.runNow();
    await platform.app.get(DeploymentReconciler).loop.runNow();
    await platform.app.get(DeploymentReconciler).loop.runNow();
    // --wait returns once the nodes run.
    const table = await ok([
      'deployments',
      'set',
      'inference',
      '--target-node-count',
      '4',
      '--wait',
    ]);
    expect(table).toMatch(/4 running/);
    expect(await ok(['procurements', 'get', 'inference'])).toMatch(/coverage_ahead\s+4\/4 4\/4/);
    expect(await ok(['zones', 'ls'])).toMatch(/richmond/);
    expect(await ok(['capacities', 'ls'])).toMatch(/inference/);
    const price = await ok(['market', 'price', '--zone', 'richmond']);
    expect(price).toMatch(/spot_price\s+\$12\.00/);
    const order = JSON.parse(
      await ok([
        'orders',
        'create',
        '--capacity',
        'inference',
        '--side',
        'buy',
        '--nodes',
        '1',
        '--start',
        'in 5h',
        '--duration',
        '12h',
        '--max-rate',
        '20.00',
        '--json',
      ]),
    );
    expect(order).toMatchObject({
      status: 'filled',
      capacity_id: created.id ? expect.any(String) : null,
    });
    expect(await ok(['orders', 'ls'])).toMatch(/filled/);
    await ok(['procurements', 'pause', 'inference']);
    await ok(['deployments', 'rm', 'inference']);
  });

  it('exits non-zero with the field when an order is too short', async () => {
    const r = await cli([
      'orders',
      'create',
      '--zone',
      'richmond',
      '--instance-type',
      'rtx4090x2',
      '--side',
      'buy',
      '--nodes',
      '1',
      '--duration',
      '30m',
      '--max-rate',
      '1.00',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/duration/);
  });
});
