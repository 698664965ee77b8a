import { sandboxesRunHere } from '../e2e/support/node-agent-process';
import {
  ServingFixture,
  specYaml,
  startServingFixture,
} from '../../libs/serving/test/support/serving-fixture';
import {
  ARTIFACTS_DIR,
  baseUrl,
  describeWithBrowser,
  screenshot,
  startSession,
  withBrowser,
} from '../support/browser';

const VIEWPORTS = [
  { width: 1366, height: 800 },
  { width: 390, height: 844 },
];
const SERVICE = 'webecho';
const REQUESTS = 7;

/**
 * The Services page on a real replica (a bwrap sandbox through the local agent): its status,
 * the requests per second the load balancer counted, the replica timeline and table, on a
 * desktop and a phone width.
 */
(sandboxesRunHere() ? describeWithBrowser : describe.skip)('the services dashboard page', () => {
  let f: ServingFixture;

  beforeAll(async () => {
    f = await startServingFixture();
    const up = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({ name: SERVICE, spec: specYaml('readiness_probe: /health\nreplicas: 1') });
    expect(up.status).toBe(201);
    await f.until('a READY service', async () => (await f.status(SERVICE)).status === 'READY');
    for (let i = 0; i < REQUESTS; i++) {
      const res = await f.platform.http().get(`/s/${SERVICE}/hello`);
      expect(res.text).toContain('replica v1 GET /hello');
    }
  }, 120_000);

  afterAll(async () => {
    await f?.close();
  });

  it('answers the request rate the load balancer counted', async () => {
    const s = (await f.platform.http().get(`/v1/services/${SERVICE}`).set(f.alice.auth)).body as {
      qps: number;
      requests_per_second: number[];
    };
    expect(s.requests_per_second).toHaveLength(60);
    expect(s.requests_per_second.reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    expect(s.qps).toBeCloseTo(REQUESTS / 60, 5);
  });

  it.each(VIEWPORTS)(
    'shows the service, its traffic chart and replica timeline at $width px',
    (viewport) =>
      withBrowser(
        async (page) => {
          await startSession(page, f.platform, f.alice);
          await page.goto(`${baseUrl(f.platform)}/services`);
          await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
          await page.getByText('1/1 ready').waitFor();
          await page.getByText('READY', { exact: true }).first().waitFor();
          await page.getByRole('img', { name: `requests per second of ${SERVICE}` }).waitFor();
          await page.getByRole('img', { name: `replica timeline of ${SERVICE}` }).waitFor();
          const replicas = page.getByRole('table', { name: `replicas of ${SERVICE}` });
          await replicas.getByText('READY').waitFor();
          expect(await replicas.locator('tbody tr').count()).toBe(1);
          expect(
            await page.evaluate(
              () => document.documentElement.scrollWidth <= window.innerWidth + 1,
            ),
          ).toBe(true);
          await screenshot(page, `${viewport.width}-services`, { dir: ARTIFACTS_DIR });
        },
        { viewport },
      ),
    60_000,
  );
});
