import { randomUUID } from 'node:crypto';
import {
  decider,
  grant,
  InputParts,
  registerParts,
  sandboxRequest,
  subject,
} from '../../libs/policy/test/support/policy-fixtures';
import {
  baseUrl,
  describeWithBrowser,
  screenshot,
  signInAs,
  withBrowser,
} from '../support/browser';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

describeWithBrowser('the policies admin page', () => {
  describe.each(databaseKinds())('on %s', (kind) => {
    let platform: TestPlatform;

    beforeAll(async () => {
      platform = await startTestPlatform({ kind });
      // A few logged decisions for the dry run to re-evaluate.
      const table = new Map<string, InputParts>();
      registerParts(platform, table);
      for (const parts of [
        { reputation: { score: 90 }, grants: [grant], usage: { month_gpu_hours: 1 } },
        { reputation: { score: 20, passport: { passing: true } }, balance: { available: 5000 } },
        {},
      ]) {
        const id = randomUUID();
        table.set(id, parts);
        await decider(platform).decide(subject(id), sandboxRequest());
      }
    });

    afterAll(async () => {
      await platform?.close();
    });

    it('lets an admin see a syntax error at its line, fix it, save a draft, test, dry-run and activate', () =>
      withBrowser(
        async (page) => {
          const admin = await signInAs(page, platform, `policy-admin-${kind}-${process.pid}`, {
            roles: ['admin', 'developer'],
          });
          await page.goto(`${baseUrl(platform)}/admin/policies`);
          await page.getByRole('heading', { name: 'Policies', level: 1 }).waitFor();
          await page.getByRole('link', { name: 'subsidy' }).click();
          await page.getByRole('heading', { name: 'Policy subsidy' }).waitFor();

          const editor = page.locator('.cm-content');
          await editor.click();
          await page.keyboard.press('Control+End');
          const active = await platform.http().get('/v1/policies/subsidy').set(admin.auth);
          // Control+End lands on the last line (the source ends with a newline).
          const lastRow = (active.body.active.source as string).split('\n').length;
          await page.keyboard.type('broken := := 1');
          await page.getByRole('button', { name: 'Save draft' }).click();

          const errors = page.getByRole('alert', { name: 'Policy errors' });
          await errors.waitFor();
          expect(await errors.textContent()).toContain(`subsidy.rego:${lastRow}:`);
          expect(await errors.textContent()).toContain('rego_parse_error');
          const marked = page.locator(`.cm-rego-error-line[data-row="${lastRow}"]`);
          await marked.waitFor();
          expect(await marked.textContent()).toContain('broken := := 1');
          expect(await page.locator('.cm-rego-error-mark').count()).toBeGreaterThan(0);
          await screenshot(page, `policies-syntax-error-${kind}`);

          await marked.click();
          await page.keyboard.press('End');
          await page.keyboard.press('Shift+Home');
          await page.keyboard.type('review_note := 1');
          await page.getByRole('button', { name: 'Validate' }).click();
          await page.getByTestId('policy-valid').waitFor();
          await page.getByLabel('Message').fill('add a review note');
          await page.getByRole('button', { name: 'Save draft' }).click();

          await page.getByRole('heading', { name: /Version 2/ }).waitFor();
          expect(await page.getByTestId('policy-diff').textContent()).toContain(
            '+review_note := 1',
          );

          await page.getByRole('button', { name: 'Run tests' }).click();
          const testResults = page.getByRole('region', { name: 'Test results' });
          await testResults.getByRole('heading', { name: /passed, 0 failed/ }).waitFor();

          await page.getByRole('button', { name: 'Dry run' }).click();
          const summary = page.getByTestId('dry-run-summary');
          await summary.waitFor();
          expect(await summary.textContent()).toContain('0 of 3 decisions would flip');

          // From the sticky toolbar (always in view), after scrolling down to the dry run.
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          const toolbar = page.getByRole('toolbar', { name: 'Policy actions' });
          expect(await toolbar.getByRole('button', { name: 'Activate v2…' }).isVisible()).toBe(
            true,
          );
          await toolbar.getByRole('button', { name: 'Activate v2…' }).click();
          const dialog = page.getByRole('dialog', { name: 'Activate subsidy v2?' });
          await dialog.getByRole('button', { name: 'Activate' }).click();
          await dialog.waitFor({ state: 'detached' });
          await page.getByRole('table', { name: 'Activation log' }).getByText('activate').waitFor();
          await screenshot(page, `policies-activated-${kind}`);

          const res = await platform.http().get('/v1/policies/subsidy').set(admin.auth).expect(200);
          expect(res.body.active_version).toBe(2);
          expect(res.body.active.source).toContain('review_note := 1');
        },
        { name: `policies-${kind}` },
      ));
  });
});
