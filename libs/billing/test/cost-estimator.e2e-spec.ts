import { CostEstimator } from '@nanopod/billing';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

describe.each(databaseKinds())('CostEstimator (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let costs: CostEstimator;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    costs = platform.app.get(CostEstimator);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const setPrice = (metric: string, gpuType: string, price: number) =>
    platform
      .http()
      .put('/v1/billing/admin/prices')
      .set(admin.auth)
      .send({ metric, gpu_type: gpuType, unit_price_credits: price })
      .expect(200);

  it('prices a CPU-only sandbox at sandbox_seconds x seconds from the price list', async () => {
    const prices = await platform.http().get('/v1/billing/prices').set(admin.auth).expect(200);
    const sandbox = prices.body.data.find(
      (p: { metric: string; gpu_type: string }) =>
        p.metric === 'sandbox_seconds' && p.gpu_type === '',
    );
    expect(await costs.estimate({ kind: 'sandbox', seconds: 3600 })).toBeCloseTo(
      sandbox.unit_price_credits * 3600,
      6,
    );
  });

  it('adds gpu_seconds for the GPU type times the number of GPUs, after an admin changes the prices', async () => {
    await setPrice('sandbox_seconds', '', 0.001);
    await setPrice('gpu_seconds', 'h100', 0.1);
    await setPrice('gpu_seconds', '', 0.02);
    // 600 s x 0.001 + 600 s x 2 GPUs x 0.1 = 0.6 + 120.
    expect(
      await costs.estimate({ kind: 'sandbox', seconds: 600, gpus: 2, gpu_type: 'H100' }),
    ).toBeCloseTo(120.6, 6);
    // A GPU type without its own price falls back to the metric's default.
    expect(
      await costs.estimate({ kind: 'sandbox', seconds: 600, gpus: 1, gpu_type: 'mi300x' }),
    ).toBeCloseTo(0.6 + 12, 6);
    // No GPUs: the GPU type does not matter.
    expect(await costs.estimate({ kind: 'sandbox', seconds: 600, gpu_type: 'h100' })).toBeCloseTo(
      0.6,
      6,
    );
  });

  it('refuses negative or non-numeric quantities', async () => {
    await expect(costs.estimate({ kind: 'sandbox', seconds: -1 })).rejects.toMatchObject({
      code: 'billing.invalid_estimate',
    });
    await expect(
      costs.estimate({ kind: 'sandbox', seconds: 10, gpus: Number.NaN }),
    ).rejects.toMatchObject({ code: 'billing.invalid_estimate' });
  });
});
