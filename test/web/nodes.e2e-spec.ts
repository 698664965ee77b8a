import { baseUrl, describeWithBrowser, signInAs, withBrowser } from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/test-platform';
import { sandboxesRunHere } from '../e2e/support/node-agent-process';

const suite = sandboxesRunHere() ? describeWithBrowser : describe.skip;

suite('the nodes page', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ env: { NANOPOD_LOCAL_NODE_AGENT: 'true' } });
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
  });

  it(
    'shows the local node running to an admin, who cordons and uncordons it',
    () =>
      withBrowser(
        async (page) => {
          await signInAs(page, platform, `nodes-web-${process.pid}`, {
            roles: ['admin', 'developer'],
          });
          await page.goto(`${baseUrl(platform)}/nodes`);
          await page.getByRole('heading', { name: 'Nodes', level: 1 }).waitFor();
          const row = page.getByRole('table', { name: 'nodes' }).locator('tbody tr').first();
          await row.getByText('local', { exact: true }).first().waitFor();
          await row.getByText('running', { exact: true }).waitFor();
          await row.getByRole('button', { name: 'Cordon' }).click();
          await row.getByText('cordoned', { exact: true }).waitFor();
          await row.getByRole('button', { name: 'Uncordon' }).click();
          await row.getByRole('button', { name: 'Cordon' }).waitFor();
        },
        { name: 'nodes-page' },
      ),
    90_000,
  );

  it(
    'shows developers no nodes',
    () =>
      withBrowser(async (page) => {
        await signInAs(page, platform, `nodes-dev-${process.pid}`);
        await page.goto(`${baseUrl(platform)}/nodes`);
        await page.getByText('No nodes you can see').waitFor();
      }),
    60_000,
  );
});
