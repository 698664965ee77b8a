import { baseUrl, describeWithBrowser, signInAs, withBrowser } from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/test-platform';
import { sandboxesRunHere, fund } from '../e2e/support/node-agent-process';

const suite = sandboxesRunHere() ? describeWithBrowser : describe.skip;

suite('the sandboxes pages', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ env: { NANOPOD_LOCAL_NODE_AGENT: 'true' } });
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  it(
    'creates a sandbox from the form, shows it running, runs a command and deletes it',
    () =>
      withBrowser(
        async (page) => {
          const user = await signInAs(page, platform, `sandbox-web-${process.pid}`);
          const admin = await platform.createUser({ roles: ['admin', 'developer'] });
          await fund(platform, admin, user);
          await page.goto(`${baseUrl(platform)}/sandboxes`);
          await page.getByRole('heading', { name: 'Sandboxes', level: 1 }).waitFor();
          await page.getByText('No sandboxes yet').waitFor();
          await page.getByRole('button', { name: 'New sandbox' }).click();
          await page.getByLabel('Name').fill('web-job');
          await page.getByRole('button', { name: 'Create' }).click();
          // The detail page, named, with its live state.
          await page.getByRole('heading', { name: 'Sandbox web-job' }).waitFor();
          await page.getByText('running', { exact: true }).first().waitFor();
          await page.getByRole('button', { name: 'Run' }).click();
          await page.getByLabel('exec output').getByText('42').waitFor();
          await page
            .getByLabel('exec output')
            .getByText(/exit 0/)
            .waitFor();
          await page.goto(`${baseUrl(platform)}/sandboxes`);
          const rows = page.getByRole('table', { name: 'sandboxes' }).locator('tbody tr');
          await rows.first().getByText('running').waitFor();
          await rows.first().getByRole('link', { name: 'web-job' }).waitFor();
          await rows.first().getByRole('button', { name: 'Delete' }).click();
          await page.getByText('No sandboxes yet').waitFor();
        },
        { name: 'sandboxes-page' },
      ),
    90_000,
  );
});
