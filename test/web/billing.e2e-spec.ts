import { DataSource } from 'typeorm';
import { UsageRecorder } from '@nanopod/billing';
import {
  baseUrl,
  describeWithBrowser,
  screenshot,
  signInAs,
  withBrowser,
} from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

const DAY = 86_400_000;

describeWithBrowser('the billing page', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({
      env: { NANOPOD_WELCOME_CREDITS: '0', NANOPOD_API_METER_FLUSH_MS: '3600000' },
    });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it(
    'draws the usage chart by day and kind, the subsidy saved, the balance and invoices',
    () =>
      withBrowser(
        async (page) => {
          const user = await signInAs(page, platform, `billing-web-${process.pid}`);
          const admin = await platform.createUser({ roles: ['admin', 'developer'] });
          await platform
            .http()
            .post('/v1/billing/admin/top-ups')
            .set(admin.auth)
            .send({ user_id: user.id, amount: 5000, idempotency_key: `web-${user.id}` })
            .expect(201);
          // Three days of GPU time at half price, and sandbox time at full price.
          const now = Date.now();
          const records = [1, 2, 3].flatMap((d) => [
            {
              transactionId: `web:${user.id}:gpu:${d}`,
              userId: user.id,
              metric: 'gpu_seconds' as const,
              quantity: 1200 * d,
              occurredAt: new Date(now - d * DAY),
              subsidy: { tier: 'passport', rate_multiplier: 0.5 },
              properties: { gpu_type: 'a100' },
            },
            {
              transactionId: `web:${user.id}:sandbox:${d}`,
              userId: user.id,
              metric: 'sandbox_seconds' as const,
              quantity: 20_000,
              occurredAt: new Date(now - d * DAY),
              subsidy: { tier: 'standard', rate_multiplier: 1 },
            },
          ]);
          const recorder = platform.app.get(UsageRecorder);
          await platform.app.get(DataSource).transaction((m) => recorder.record(m, records));

          await page.goto(`${baseUrl(platform)}/billing`);
          await page.getByRole('heading', { name: 'Billing', level: 1 }).waitFor();
          // GPU: (1200+2400+3600) s x 0.05 = 360 credits list, 180 paid, 180 saved.
          await page.getByTestId('billing-saved').filter({ hasText: '$1.80' }).waitFor();
          // Balance: 5000 - 180 - 3 x 10 (sandbox) = 4790 credits.
          await page.getByTestId('billing-balance').filter({ hasText: '$47.90' }).waitFor();
          const canvas = page.getByTestId('billing-usage-chart').locator('canvas');
          await canvas.waitFor();
          const painted = await canvas.evaluate((el: HTMLCanvasElement) => {
            const ctx = el.getContext('2d');
            if (!ctx || el.width === 0 || el.height === 0) return 0;
            const { data } = ctx.getImageData(0, 0, el.width, el.height);
            let n = 0;
            // Bars in the palette's first two colors (GPU time indigo, sandboxes sky blue).
            for (let i = 0; i < data.length; i += 4) {
              const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
              if (
                a > 200 &&
                ((r === 79 && g === 70 && b === 229) || (r === 14 && g === 165 && b === 233))
              )
                n++;
            }
            return n;
          });
          expect(painted).toBeGreaterThan(200);
          await page
            .getByRole('table', { name: 'Invoices' })
            .getByText('ST-', { exact: false })
            .first()
            .waitFor();
          await screenshot(page, 'billing-page');
        },
        { name: 'billing-page' },
      ),
    120_000,
  );
});
