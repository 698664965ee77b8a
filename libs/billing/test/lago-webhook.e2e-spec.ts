import { generateKeyPairSync } from 'node:crypto';
import { LagoFake } from '../../../test/fakes/lago/lago-fake';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { ledgerAudit } from './support/usage';

describe.each(databaseKinds())('Lago wallet top-up webhooks (%s)', (kind) => {
  let lago: LagoFake;
  let platform: TestPlatform;
  let user: TestUser;
  let walletId: string;

  beforeAll(async () => {
    lago = await new LagoFake().start();
    platform = await startTestPlatform({
      kind,
      env: {
        NANOPOD_LAGO_API_URL: lago.url,
        NANOPOD_LAGO_API_KEY: lago.apiKey,
        NANOPOD_LAGO_WEBHOOK_SECRET: lago.hmacKey,
        NANOPOD_LAGO_WEBHOOK_PUBLIC_KEY: lago.webhookKeys.publicKeyBase64,
        NANOPOD_WELCOME_CREDITS: '0',
        NANOPOD_API_METER_FLUSH_MS: '3600000',
      },
    });
    user = await platform.createUser();
    walletId = lago.addWallet(user.id);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await lago?.stop();
  });

  const post = (body: string, headers: Record<string, string>) =>
    platform
      .http()
      .post('/v1/billing/webhooks/lago')
      .set({ 'Content-Type': 'application/json', ...headers })
      .send(body);

  const balance = async () =>
    (await platform.http().get('/v1/billing/balance').set(user.auth).expect(200)).body
      .balance as number;

  it('credits the wallet once for a settled top-up signed with HMAC, however often it is delivered', async () => {
    const before = await balance();
    const body = lago.walletTransactionWebhook(walletId, { amount: '12.5' });
    const first = await post(body, lago.signHmac(body)).expect(200);
    expect(first.body.status).toBe('processed');
    // Lago retries deliveries; a new unique key for the same wallet transaction changes nothing.
    const again = await post(body, lago.signHmac(body)).expect(200);
    expect(again.body.status).toBe('duplicate');
    expect(await balance()).toBeCloseTo(before + 1250, 6);
  });

  it("accepts Lago's default RS256 JWT signature", async () => {
    const before = await balance();
    const body = lago.walletTransactionWebhook(walletId, {
      amount: '1',
      transaction_status: 'granted',
    });
    await post(body, lago.signJwt(body, lago.url)).expect(200);
    expect(await balance()).toBeCloseTo(before + 100, 6);
  });

  it('refuses a bad signature with 401 and changes nothing', async () => {
    const before = await balance();
    const auditBefore = await ledgerAudit(platform);
    const body = lago.walletTransactionWebhook(walletId, { amount: '999' });
    const wrongKey = await post(body, lago.signHmac(body, 'not-the-key')).expect(401);
    expect(wrongKey.body.error.code).toBe('billing.webhook_signature_invalid');
    const tampered = lago.signHmac(body);
    await post(body.replace('999', '9999'), tampered).expect(401);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await post(body, lago.signJwt(body, lago.url, privateKey)).expect(401);
    await post(body, lago.signJwt(body, 'http://someone-else')).expect(401);
    await post(body, {}).expect(401);
    expect(await balance()).toBe(before);
    expect(await ledgerAudit(platform)).toEqual(auditBefore);
  });

  it('ignores wallet transactions that are not settled inbound top-ups', async () => {
    const before = await balance();
    const pending = lago.walletTransactionWebhook(walletId, { amount: '5', status: 'pending' });
    expect((await post(pending, lago.signHmac(pending)).expect(200)).body.status).toBe('ignored');
    const other = JSON.stringify({
      webhook_type: 'invoice.created',
      object_type: 'invoice',
      invoice: {},
    });
    expect((await post(other, lago.signHmac(other)).expect(200)).body.status).toBe('ignored');
    expect(await balance()).toBe(before);
  });
});
