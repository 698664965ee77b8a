import type { Page } from 'playwright-core';
import { money } from '../../apps/web/src/lib/format';
import { fund, sandboxesRunHere } from '../e2e/support/node-agent-process';
import {
  ARTIFACTS_DIR,
  baseUrl,
  describeWithBrowser,
  screenshot,
  signInAs,
  startSession,
  withBrowser,
} from '../support/browser';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';

/*
 * Every page at a laptop width and a phone width, in one browser: the shell collapses on the
 * phone, nothing is wider than the screen, and a screenshot of each lands in test/artifacts/.
 * Then a developer's own path: the overview with balance and running sandboxes, and the sandbox
 * page streaming a command's output, its files, stop and delete.
 */

const WIDTHS = [
  { width: 1366, height: 860 },
  { width: 390, height: 844 },
];

const sandboxes = sandboxesRunHere();

/** Waits for the page's heading and for its spinners to go (the data is in). */
async function settled(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor();
  await page
    .locator('main .spinner')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}

async function createSandbox(platform: TestPlatform, user: TestUser, name: string) {
  const res = await platform.http().post('/v1/sandboxes').set(user.auth).send({ name });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string; node_id: string; node_name: string | null };
}

describeWithBrowser('the dashboard at laptop and phone widths', () => {
  let platform: TestPlatform;
  let admin: TestUser;

  beforeAll(async () => {
    platform = await startTestPlatform(
      sandboxes ? { env: { NANOPOD_LOCAL_NODE_AGENT: 'true' } } : {},
    );
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  it('shows every page without horizontal overflow, with the sidebar collapsed on a phone', async () => {
    const user = await platform.createUser({ roles: ['admin', 'developer'] });
    const pages = [
      '/',
      '/sandboxes',
      '/services',
      '/zones',
      '/deployments',
      '/market',
      '/procurements',
      '/nodes',
      '/billing',
      '/grants',
      '/reputation',
      '/me',
      '/api-keys',
      '/admin/grants',
      '/admin/policies',
      '/admin/policies/subsidy',
    ];
    if (sandboxes) {
      await fund(platform, admin, user);
      const sb = await createSandbox(platform, user, 'shot');
      pages.splice(2, 0, `/sandboxes/${sb.id}`);
    }
    for (const viewport of WIDTHS)
      await withBrowser(
        async (page) => {
          await startSession(page, platform, user);
          const phone = viewport.width < 720;
          const nav = page.getByRole('navigation', { name: 'Main' });
          for (const path of pages) {
            await page.goto(`${baseUrl(platform)}${path}`);
            await settled(page);
            const { scrollWidth, innerWidth } = await overflow(page);
            expect({ path, scrollWidth }).toEqual({ path, scrollWidth: innerWidth });
            expect({ path, navVisible: await nav.isVisible() }).toEqual({
              path,
              navVisible: !phone,
            });
            if (path === '/admin/policies/subsidy') {
              // The editor scrolls inside itself; at the page's bottom the actions are in view.
              const height = await page.evaluate(() => document.documentElement.scrollHeight);
              expect(height).toBeLessThan(2_000);
              await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
              const bar = await page.getByRole('toolbar', { name: 'Policy actions' }).boundingBox();
              expect(bar!.y).toBeGreaterThanOrEqual(0);
              expect(bar!.y + bar!.height).toBeLessThanOrEqual(viewport.height);
              await page.getByRole('button', { name: 'Save draft' }).isVisible();
            }
            const name =
              path === '/'
                ? 'overview'
                : path.startsWith('/sandboxes/')
                  ? 'sandbox'
                  : path.slice(1).replace(/\//g, '-');
            await screenshot(page, `${viewport.width}-${name}`, { dir: ARTIFACTS_DIR });
          }

          if (phone) {
            // The menu button opens the nav over the page; a link goes there and closes it.
            await page.goto(`${baseUrl(platform)}/`);
            await settled(page);
            await page.getByRole('button', { name: 'Open menu' }).click();
            await nav.waitFor({ state: 'visible' });
            // Slid fully in (a short transition), inside the screen.
            await page.waitForFunction(
              () => document.getElementById('sidebar')!.getBoundingClientRect().left >= 0,
            );
            const box = await nav.boundingBox();
            expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
            await screenshot(page, `${viewport.width}-menu-open`, { dir: ARTIFACTS_DIR });
            await nav.getByRole('link', { name: 'Billing' }).click();
            await page.getByRole('heading', { name: 'Billing', level: 1 }).waitFor();
            await nav.waitFor({ state: 'hidden' });
          } else {
            await expect(page.getByRole('button', { name: 'Open menu' }).isVisible()).resolves.toBe(
              false,
            );
            // An admin sees the Nodes page in the nav (the API lists every node to admins).
            await nav.getByRole('link', { name: 'Nodes' }).waitFor();
          }
        },
        { viewport, name: `responsive-${viewport.width}` },
      );
  }, 180_000);

  (sandboxes ? it : it.skip)(
    "gives a developer an overview of balance and running sandboxes, and a sandbox page that streams a command's output, lists, downloads and uploads files, stops and deletes",
    () =>
      withBrowser(
        async (page) => {
          const base = baseUrl(platform);
          const dev = await signInAs(page, platform, `dev-path-${process.pid}`);
          await fund(platform, admin, dev, 123_456);
          const sb = await createSandbox(platform, dev, 'streamer');
          const node = await platform.http().get(`/v1/nodes/${sb.node_id}`).set(admin.auth);
          expect(sb.node_name).toBe(node.body.name);

          // The overview: balance, this month's usage and the running sandbox, linked.
          await page.goto(`${base}/`);
          const balance = await platform.http().get('/v1/billing/balance').set(dev.auth);
          await page
            .getByTestId('overview-balance')
            .getByText(money(balance.body.balance / 100), { exact: true })
            .waitFor();
          await page.getByTestId('overview-usage').waitFor();
          const running = page.getByTestId('overview-running');
          await running.getByRole('link', { name: 'streamer' }).waitFor();
          // A developer who owns no partner has no always-empty Nodes page in the nav.
          const nav = page.getByRole('navigation', { name: 'Main' });
          await nav.getByRole('link', { name: 'Sandboxes' }).waitFor();
          await page.waitForLoadState('networkidle');
          await expect(nav.getByRole('link', { name: 'Nodes' }).count()).resolves.toBe(0);
          await screenshot(page, 'developer-overview', { dir: ARTIFACTS_DIR });
          await running.getByRole('link', { name: 'streamer' }).click();

          await page.getByRole('heading', { name: 'Sandbox streamer' }).waitFor();
          await expect(page.getByTestId('sandbox-node').textContent()).resolves.toBe(
            node.body.name,
          );

          // Output shows while the command still runs: "first" before the sleep ends.
          await page
            .getByLabel('Command (sh -c)')
            .fill('echo first; sleep 2; echo second | tee out.txt');
          await page.getByRole('button', { name: 'Run' }).click();
          const output = page.getByLabel('exec output');
          await output.getByText('first').waitFor();
          await expect(page.getByTestId('exec-status').textContent()).resolves.toBe('running…');
          await expect(output.textContent()).resolves.not.toContain('second');
          await page
            .getByTestId('exec-status')
            .getByText(/^exit 0/)
            .waitFor();
          await expect(output.locator('pre').textContent()).resolves.toBe('first\nsecond\n');

          // Files: the one the command wrote, downloaded; one uploaded from the browser.
          const files = page.getByRole('table', { name: 'files' });
          await page.getByRole('button', { name: 'Refresh' }).click();
          const link = files.getByRole('link', { name: 'out.txt' });
          await link.waitFor();
          const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
          const stream = await download.createReadStream();
          let body = '';
          for await (const chunk of stream) body += String(chunk);
          expect(body).toBe('second\n');
          await page.getByLabel('File to upload').setInputFiles({
            name: 'up.txt',
            mimeType: 'text/plain',
            buffer: Buffer.from('from the browser'),
          });
          await files.getByRole('link', { name: 'up.txt' }).waitFor();
          const up = await platform
            .http()
            .get(`/v1/sandboxes/${sb.id}/files?path=up.txt`)
            .set(dev.auth)
            .buffer(true)
            .parse((res, cb) => {
              let data = '';
              res.on('data', (c: Buffer) => (data += c.toString()));
              res.on('end', () => cb(null, data));
            });
          expect(up.body).toBe('from the browser');
          await screenshot(page, 'developer-sandbox', { dir: ARTIFACTS_DIR });

          // Stop and delete, each behind a confirmation.
          await page.getByRole('button', { name: 'Stop', exact: true }).click();
          await page
            .getByRole('dialog', { name: 'Stop streamer?' })
            .getByRole('button', { name: 'Stop sandbox' })
            .click();
          await page
            .locator('.page-header .badge')
            .getByText(/^stopped/)
            .waitFor();
          await page.getByRole('button', { name: 'Delete', exact: true }).click();
          await page
            .getByRole('dialog', { name: 'Delete streamer?' })
            .getByRole('button', { name: 'Delete sandbox' })
            .click();
          await page.waitForURL(`${base}/sandboxes`);
          const gone = await platform.http().get(`/v1/sandboxes/${sb.id}`).set(dev.auth);
          expect(gone.body.state === 'deleted' || gone.status === 404).toBe(true);
        },
        { name: 'developer-path', viewport: WIDTHS[0] },
      ),
    90_000,
  );
});
