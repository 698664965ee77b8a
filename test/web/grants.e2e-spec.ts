import { Wallet } from 'ethers';
import {
  baseUrl,
  describeWithBrowser,
  screenshot,
  signInAs,
  withBrowser,
} from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

const DAY = 86_400_000;

describeWithBrowser('the grants and reputation pages', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform();
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it(
    'lets a developer apply, an admin approve, and the developer see the active grant',
    () =>
      withBrowser(
        async (page) => {
          const devLogin = `grant-dev-${process.pid}`;
          const adminLogin = `grant-admin-${process.pid}`;
          const admin = await platform.createUser({
            githubLogin: adminLogin,
            roles: ['admin', 'developer'],
          });
          await platform
            .http()
            .post('/v1/grants/programs')
            .set(admin.auth)
            .send({
              name: 'Web PyTorch Fund',
              monthly_gpu_hours: 40,
              rate_multiplier: 0,
              eligibility: 'Merged pull requests to pytorch',
              starts_at: new Date(Date.now() - DAY).toISOString(),
              ends_at: new Date(Date.now() + 30 * DAY).toISOString(),
            })
            .expect(201);

          // The developer applies.
          await signInAs(page, platform, devLogin);
          await page.goto(`${baseUrl(platform)}/grants`);
          await page.getByRole('heading', { name: 'Grants', level: 1 }).waitFor();
          await page.getByRole('button', { name: 'Apply to Web PyTorch Fund' }).click();
          await page.getByLabel('Statement').fill('I fix flaky CUDA tests in pytorch every week.');
          await page.getByRole('button', { name: 'Send application' }).click();
          const myApps = page.getByRole('table', { name: 'My applications' });
          await myApps.getByText('Web PyTorch Fund').waitFor();
          await myApps.getByText('open', { exact: true }).waitFor();

          // The admin approves.
          await page.context().clearCookies();
          await signInAs(page, platform, adminLogin, { roles: ['admin', 'developer'] });
          await page.goto(`${baseUrl(platform)}/admin/grants`);
          await page.getByRole('heading', { name: 'Grant applications', level: 1 }).waitFor();
          await page.getByRole('button', { name: `Approve ${devLogin}` }).click();
          await page
            .getByRole('table', { name: 'Grant applications' })
            .waitFor({ state: 'detached' });

          // The developer sees the active grant.
          await page.context().clearCookies();
          await signInAs(page, platform, devLogin);
          await page.goto(`${baseUrl(platform)}/grants`);
          const grants = page.getByRole('table', { name: 'My grants' });
          await grants.getByText('Web PyTorch Fund').waitFor();
          await grants.getByText('active', { exact: true }).waitFor();
          await grants.getByText('free').waitFor();
          await page
            .getByRole('table', { name: 'My applications' })
            .getByText('approved', { exact: true })
            .waitFor();
          // Reputation is unknown here (the embedded default): the subsidy policy does not
          // apply the grant, and the page says so rather than showing "free" alone.
          const why = page.getByRole('note', { name: 'Why you pay full price' });
          await why.waitFor();
          expect(await why.textContent()).toMatch(/score is unknown.*full list price/);
          await screenshot(page, 'grants-developer');
        },
        { name: 'grants' },
      ),
    120_000,
  );

  it(
    'shows unknown parts with their reasons and links a wallet by pasting a signature',
    () =>
      withBrowser(
        async (page) => {
          await signInAs(page, platform, `rep-web-${process.pid}`);
          await page.goto(`${baseUrl(platform)}/reputation`);
          await page.getByRole('heading', { name: 'Reputation', level: 1 }).waitFor();
          await page.getByTestId('reputation-score').filter({ hasText: 'Unknown' }).waitFor();
          const parts = page.getByRole('table', { name: 'Reputation parts' });
          await parts.getByText('not_configured').first().waitFor();
          await parts.getByText('unknown', { exact: true }).first().waitFor();

          const wallet = Wallet.createRandom();
          await page.getByRole('button', { name: 'Link wallet' }).click();
          await page.getByLabel('Wallet address').fill(wallet.address);
          await page.getByRole('button', { name: 'Get message' }).click();
          const message = await page.getByLabel('Message to sign').inputValue();
          expect(message).toContain(wallet.address);
          await page
            .getByLabel('Signature', { exact: true })
            .fill(await wallet.signMessage(message));
          await page.getByRole('button', { name: 'Verify and link' }).click();
          await page.getByText(wallet.address).waitFor();
          await screenshot(page, 'reputation-wallet');
        },
        { name: 'reputation' },
      ),
    120_000,
  );
});
