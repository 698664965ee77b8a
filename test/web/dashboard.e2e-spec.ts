import { SessionsService } from '@nanopod/identity';
import type { Page } from 'playwright-core';
import {
  baseUrl,
  describeWithBrowser,
  screenshot,
  signInAs,
  signInWithGitHub,
  withBrowser,
} from '../support/browser';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

async function whoAmI(base: string, secret: string): Promise<number> {
  const res = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
  return res.status;
}

async function openApiKeys(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'API keys' })
    .click();
  await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
}

describeWithBrowser('the web dashboard', () => {
  describe.each(databaseKinds())('on %s', (kind) => {
    let platform: TestPlatform;
    let base: string;
    let n = 0;
    const login = (what: string) => `${what}-${kind}-${process.pid}-${++n}`;

    beforeAll(async () => {
      platform = await startTestPlatform({ kind });
      base = baseUrl(platform);
    });
    afterAll(async () => {
      await platform?.close();
    });

    it('shows a signed-out visitor the sign-in button', () =>
      withBrowser(
        async (page) => {
          await page.goto(`${base}/api-keys`);
          const signIn = page.getByRole('link', { name: 'Sign in with GitHub' });
          await signIn.waitFor();
          expect(await signIn.getAttribute('href')).toBe('/auth/login?return_to=%2Fapi-keys');
          await screenshot(page, `web-signed-out-${kind}`);
        },
        { name: `web-signed-out-${kind}` },
      ));

    it('signs a visitor in with GitHub and shows who they are', () =>
      withBrowser(
        async (page) => {
          const who = login('mona');
          await signInWithGitHub(page, platform, who, { name: 'Mona Lisa', returnTo: '/me' });
          expect(new URL(page.url()).pathname).toBe('/me');
          await expect(page.getByTestId('current-user').textContent()).resolves.toContain(who);
          await expect(page.getByTestId('github-login').textContent()).resolves.toBe(`@${who}`);
          await expect(page.locator('main').textContent()).resolves.toContain('Mona Lisa');
          await screenshot(page, `web-github-sign-in-${kind}`);

          await page.getByRole('button', { name: 'Sign out' }).click();
          await page.getByRole('link', { name: 'Sign in with GitHub' }).waitFor();
          const cookies = await page.context().cookies(base);
          expect(cookies.find((c) => c.name === 'nanopod_session')).toBeUndefined();
        },
        { name: `web-github-sign-in-${kind}` },
      ));

    it('lets a signed-in user create an API key, see and copy its secret once, and revoke it', () =>
      withBrowser(
        async (page) => {
          const who = login('octo');
          await signInWithGitHub(page, platform, who);
          await expect(page.getByTestId('current-user').textContent()).resolves.toContain(who);

          await openApiKeys(page);
          await page.getByRole('button', { name: 'Create API key' }).first().click();
          const dialog = page.getByRole('dialog', { name: 'Create API key' });
          await dialog.getByLabel('Name').fill('laptop');
          await dialog.getByLabel('Expires').selectOption({ label: '30 days' });
          await dialog.getByRole('button', { name: 'Create key' }).click();

          const secret = (await page.getByTestId('api-key-secret').textContent()) ?? '';
          expect(secret).toMatch(/^npk_/);
          await page
            .getByRole('dialog', { name: 'Your new API key' })
            .getByRole('button', { name: 'Copy' })
            .click();
          await page.getByRole('button', { name: 'Copied' }).waitFor();
          expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
          expect(await whoAmI(base, secret)).toBe(200);
          await screenshot(page, `web-api-key-secret-${kind}`);

          // Shown once: after closing, the secret is nowhere on the page.
          await page.getByRole('button', { name: 'Done' }).click();
          await expect(page.getByTestId('api-key-secret').count()).resolves.toBe(0);
          expect(await page.content()).not.toContain(secret);
          const row = page.getByRole('row').filter({ hasText: 'laptop' });
          await expect(row.textContent()).resolves.toMatch(/npk_.*read.*write.*active.*in 30 days/);
          await screenshot(page, `web-api-keys-${kind}`);

          await row.getByRole('button', { name: 'Revoke laptop' }).click();
          await page
            .getByRole('dialog', { name: 'Revoke API key?' })
            .getByRole('button', { name: 'Revoke key' })
            .click();
          await row.getByText('revoked').waitFor();
          await expect(row.getByRole('button', { name: 'Revoke laptop' }).count()).resolves.toBe(0);
          expect(await whoAmI(base, secret)).toBe(401);
        },
        { name: `web-api-keys-${kind}`, clipboard: true },
      ));

    it('shows the user who they are on the profile page', () =>
      withBrowser(
        async (page) => {
          const who = login('profile');
          await signInAs(page, platform, who, { roles: ['admin', 'developer'] });
          await page.goto(`${base}/me`);
          await expect(page.getByTestId('github-login').textContent()).resolves.toBe(`@${who}`);
          const text = (await page.locator('main').textContent()) ?? '';
          expect(text).toContain('admin');
          expect(text).toContain(`${who}@example.test`);
          await screenshot(page, `web-profile-${kind}`);
        },
        { name: `web-profile-${kind}` },
      ));

    it("shows the API's error code and message in a toast when an action fails, then the sign-in view", () =>
      withBrowser(
        async (page) => {
          const user = await signInAs(page, platform, login('toast'));
          await page.goto(`${base}/api-keys`);
          await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
          // The session ends server-side behind the open page: the next action is refused.
          await platform.app.get(SessionsService).endAllFor(user.id);
          await page.getByRole('button', { name: 'Create API key' }).first().click();
          await page.getByLabel('Name').fill('late');
          await page.getByRole('button', { name: 'Create key' }).click();
          const toast = page.getByRole('alert');
          await toast.waitFor();
          const res = await fetch(`${base}/v1/api-keys`, { method: 'POST' });
          expect(res.status).toBe(401);
          const { error } = (await res.json()) as { error: { code: string; message: string } };
          await expect(toast.textContent()).resolves.toContain(error.code);
          await expect(toast.textContent()).resolves.toContain(error.message);
          // ...and the dashboard notices the session is gone.
          await page.getByRole('link', { name: 'Sign in with GitHub' }).waitFor();
          await screenshot(page, `web-toast-${kind}`);
        },
        { name: `web-toast-${kind}` },
      ));

    it('deep-links to a page and keeps unknown pages inside the app', () =>
      withBrowser(
        async (page) => {
          await signInAs(page, platform, login('deep'));
          await page.goto(`${base}/no/such/page`);
          await page.getByText('Page not found').waitFor();
          await page.getByRole('link', { name: 'Back to the overview' }).click();
          await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
          expect(new URL(page.url()).pathname).toBe('/');
          await screenshot(page, `web-overview-${kind}`);
        },
        { name: `web-deep-link-${kind}` },
      ));

    it('renders the shared charts, tables and toasts of the UI kit', () =>
      withBrowser(
        async (page) => {
          await signInAs(page, platform, login('kit'));
          await page.goto(`${base}/dev/ui`);
          await page.getByRole('heading', { name: 'UI kit' }).waitFor();
          for (const chart of ['GPU-hours per two hours', 'Nodes per zone']) {
            const canvas = page.getByRole('img', { name: chart }).locator('canvas');
            const box = await canvas.boundingBox();
            expect(box?.width).toBeGreaterThan(100);
            expect(box?.height).toBeGreaterThan(100);
          }
          await page.getByRole('button', { name: 'Show an error toast' }).click();
          await expect(page.getByRole('alert').textContent()).resolves.toContain(
            'sandbox.policy_denied',
          );
          await screenshot(page, `web-ui-kit-${kind}`);
        },
        { name: `web-ui-kit-${kind}` },
      ));
  });
});
