import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeWithBrowser, screenshot, withBrowser } from '../support/browser';
import { runCli } from '../support/cli-process';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

/*
 * The device flow as a person completes it: `nanopod login --device` prints a page, a real
 * Chromium opens it, signs in on the development GitHub page and presses the confirmation
 * page's own button. The form-level client in oidc-browser.ts cannot catch mistakes in the
 * page's buttons (a duplicated `confirm` field once made the issuer answer 400 here).
 */
describeWithBrowser('nanopod login --device in a real browser', () => {
  let platform: TestPlatform;
  let configDir: string;

  beforeAll(async () => {
    platform = await startTestPlatform();
    configDir = mkdtempSync(path.join(tmpdir(), 'nanopod-device-'));
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  const env = () => ({
    NANOPOD_URL: platform.config.publicUrl,
    NANOPOD_CONFIG_DIR: configDir,
    NANOPOD_NO_BROWSER: '1',
  });

  it('completes the sign-in from the printed page and stores the tokens', async () => {
    const run = runCli(['login', '--device', '--json', '--timeout', '2m'], env());
    const [, url] = await run.waitForStderr(/To sign in, open\s+(\S+)/);
    await withBrowser(
      async (page) => {
        await page.goto(url);
        // The issuer decides the order of its pages (code input, confirmation, the
        // development GitHub page); answer each the way a person would until it says done.
        const login = page.locator('#login');
        const realm = page.locator('#idp-github');
        const confirm = page.getByRole('button', { name: /^(Continue|Authorize nanopod)$/ });
        const done = page.getByText('The CLI is signed in');
        for (let step = 0; step < 6 && !(await done.isVisible()); step++) {
          await login.or(realm).or(confirm).or(done).first().waitFor();
          if (await realm.isVisible()) {
            await realm.click();
          } else if (await login.isVisible()) {
            await login.fill('device-browser-user');
            await page.locator('form#github-login button[type=submit]').click();
          } else if (await confirm.isVisible()) {
            await confirm.click();
          }
          await page.waitForLoadState();
        }
        await done.waitFor();
        await screenshot(page, 'device-login-success');
      },
      { name: 'device-login' },
    );
    const { code, stdout, stderr } = await run.done;
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout)).toMatchObject({ github_login: 'device-browser-user', via: 'jwt' });
  });

  it('gives up after --timeout with a clear error', async () => {
    const started = Date.now();
    const { code, stderr } = await runCli(['login', '--device', '--json', '--timeout', '2s'], env())
      .done;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/Timed out waiting for the sign-in/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a --timeout that is not a duration, naming the flag', async () => {
    const { code, stderr } = await runCli(['login', '--device', '--timeout', 'soon'], env()).done;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--timeout must be a duration/);
  });
});
