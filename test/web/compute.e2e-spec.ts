import { randomUUID } from 'node:crypto';
import { ManualClock } from '@nanopod/common';
import { DeploymentReconciler, ProcurementReconciler } from '@nanopod/compute';
import { baseUrl, describeWithBrowser, signInAs, withBrowser } from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

const ZONE = 'richmond';
const TYPE = 'rtx4090x2';
const VIEWPORTS = [
  { width: 1366, height: 800 },
  { width: 390, height: 844 },
];

/**
 * The compute pages (zones and capacities, deployments, market, procurements) render with data
 * on a desktop and a phone width: a capacity with a deployment of 3 running on time its
 * procurement bought from a partner's sell order.
 */
describeWithBrowser('the compute dashboard pages', () => {
  let platform: TestPlatform;
  const login = `compute-web-${process.pid}`;

  beforeAll(async () => {
    platform = await startTestPlatform({ clock: 'manual', env: { NANOPOD_WELCOME_CREDITS: '0' } });
    const clock = platform.clock as ManualClock;
    clock.set(Date.now());
    const admin = await platform.createUser({ roles: ['admin', 'developer'] });
    const dev = await platform.createUser({ githubLogin: login });
    const http = () => platform.http();
    await http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: dev.id, amount: 10_000_000, idempotency_key: `web-${dev.id}` })
      .expect(201);
    await http()
      .post('/v1/orders')
      .set(admin.auth)
      .send({
        side: 'sell',
        zone: ZONE,
        instance_type: TYPE,
        start: 'now',
        partner_id: randomUUID(),
        nodes: 8,
        duration: '6h',
        price: 1000,
      })
      .expect(201);
    await http()
      .post('/v1/capacities')
      .set(dev.auth)
      .send({ name: 'gpus', zone: ZONE, instance_type: TYPE, max_nodes: 8 })
      .expect(201);
    await http()
      .post('/v1/node-templates')
      .set(dev.auth)
      .send({ name: 'worker', image: 'ubuntu-22.04', cloud_init: '#!/bin/sh\necho ready\n' })
      .expect(201);
    await http()
      .post('/v1/deployments')
      .set(dev.auth)
      .send({ name: 'web', capacity: 'gpus', node_template: 'worker', target_node_count: 3 })
      .expect(201);
    await http()
      .post('/v1/procurements')
      .set(dev.auth)
      .send({
        name: 'gpus',
        capacity: 'gpus',
        max_buy_price: 2000,
        min_sell_price: 1000,
        window: '2h',
      })
      .expect(201);
    const deployments = platform.app.get(DeploymentReconciler);
    await deployments.loop.runNow();
    await platform.app.get(ProcurementReconciler).loop.runNow();
    await deployments.loop.runNow();
    await deployments.loop.runNow();
    const d = (await http().get('/v1/deployments/web').set(dev.auth).expect(200)).body;
    expect(d.counts).toEqual({ running: 3 });
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  it.each(VIEWPORTS)(
    'renders zones, deployments, the market and procurements with data at $width px',
    (viewport) =>
      withBrowser(
        async (page) => {
          await signInAs(page, platform, login);
          const url = baseUrl(platform);
          const fitsWidth = async () =>
            expect(
              await page.evaluate(
                () => document.documentElement.scrollWidth <= window.innerWidth + 1,
              ),
            ).toBe(true);

          await page.goto(`${url}/zones`);
          await page.getByRole('heading', { name: 'Zones & capacities', level: 1 }).waitFor();
          await page.getByRole('table', { name: 'zones' }).getByText(ZONE).first().waitFor();
          await page.getByRole('img', { name: 'schedulable nodes per zone' }).waitFor();
          const caps = page.getByRole('table', { name: 'capacities' });
          await caps.getByText('gpus', { exact: true }).waitFor();
          await caps.getByText(TYPE).waitFor();
          await fitsWidth();

          await page.goto(`${url}/deployments`);
          await page.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
          const nodes = page.getByRole('table', { name: 'nodes of web' });
          await nodes.getByText('running').first().waitFor();
          expect(await nodes.locator('tbody tr').count()).toBe(3);
          await page.getByRole('img', { name: 'nodes of web over the last 24 hours' }).waitFor();
          await fitsWidth();

          await page.goto(`${url}/market`);
          await page.getByRole('heading', { name: 'Market', level: 1 }).waitFor();
          await page.getByRole('img', { name: `spot price of ${TYPE} in ${ZONE}` }).waitFor();
          // 8 sold, 3 bought for two blocks: 5 nodes still offered in this block.
          await page.getByRole('img', { name: 'order book depth' }).waitFor();
          await page.getByText('spot $10.00/GPU-h').waitFor();
          const orders = page.getByRole('table', { name: 'orders' });
          await orders.getByText('filled').first().waitFor();
          await fitsWidth();

          await page.goto(`${url}/procurements`);
          await page.getByRole('heading', { name: 'Procurements', level: 1 }).waitFor();
          const procs = page.getByRole('table', { name: 'procurements' });
          await procs.getByText('3 · 3 of 3 · 3').waitFor();
          await procs.getByText('$10.00/GPU-h').first().waitFor();
          await page.getByRole('img', { name: 'coverage ahead of gpus' }).waitFor();
          await fitsWidth();
        },
        { viewport, name: `compute-pages-${viewport.width}` },
      ),
    90_000,
  );
});
