import { randomUUID } from 'node:crypto';
import { LagoFake } from '../../../test/fakes/lago/lago-fake';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { ledgerAudit } from './support/usage';

describe.each(databaseKinds())('Lago webhook signature hardening (%s)', (kind) => {
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
      },
    });
    user = await platform.createUser();
    walletId = lago.addWallet(user.id);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await lago?.stop();
  });

  const balance = async () =>
    (await platform.http().get('/v1/billing/balance').set(user.auth).expect(200)).body
      .balance as number;

  it('checks the exact bytes whatever the content type says', async () => {
    const before = await balance();
    const body = lago.walletTransactionWebhook(walletId, { amount: '2' });
    // Signed over the raw bytes; sent as text/plain, it is still the same bytes.
    await platform
      .http()
      .post('/v1/billing/webhooks/lago')
      .set({ 'Content-Type': 'text/plain', ...lago.signHmac(body) })
      .send(body)
      .expect(200);
    expect(await balance()).toBeCloseTo(before + 200, 6);

    // Re-serialized JSON (other whitespace) is other bytes: refused, whatever the type.
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
      const res = await platform
        .http()
        .post('/v1/billing/webhooks/lago')
        .set({ 'Content-Type': type, ...lago.signHmac(body) })
        .send(reformatted)
        .expect(401);
      expect(res.body.error.code).toBe('billing.webhook_signature_invalid');
    }
    expect(await balance()).toBeCloseTo(before + 200, 6);
  });

  it('refuses missing, empty, unknown and unsigned-JWT signatures with the error shape', async () => {
    const before = await balance();
    const audit = await ledgerAudit(platform);
    const body = lago.walletTransactionWebhook(walletId, { amount: '500' });
    const none = (s: string) => Buffer.from(s).toString('base64url');
    const unsigned = `${none('{"alg":"none","typ":"JWT"}')}.${none(JSON.stringify({ data: body, iss: lago.url }))}.`;
    const attempts: Record<string, string>[] = [
      {},
      { 'X-Lago-Signature': '' },
      { 'X-Lago-Signature': 'abc', 'X-Lago-Signature-Algorithm': 'none' },
      { 'X-Lago-Signature': unsigned },
      { 'X-Lago-Signature': unsigned, 'X-Lago-Signature-Algorithm': 'jwt' },
      { 'X-Lago-Signature': '', 'X-Lago-Signature-Algorithm': 'hmac' },
    ];
    for (const headers of attempts) {
      const res = await platform
        .http()
        .post('/v1/billing/webhooks/lago')
        .set({ 'Content-Type': 'application/json', ...headers })
        .send(body)
        .expect(401);
      expect(res.body.error).toMatchObject({ code: 'billing.webhook_signature_invalid' });
    }
    // Another spelling of the path still reaches the raw-body check.
    await platform
      .http()
      .post('/V1/Billing/Webhooks/Lago')
      .set({ 'Content-Type': 'application/json' })
      .send(body)
      .expect(401);
    expect(await balance()).toBe(before);
    expect(await ledgerAudit(platform)).toEqual(audit);
  });

  it('credits no wallet for a Lago customer that is not one of our users', async () => {
    const audit = await ledgerAudit(platform);
    for (const customer of [randomUUID(), 'someone-else']) {
      const stranger = lago.addWallet(customer);
      const body = lago.walletTransactionWebhook(stranger, { amount: '3' });
      const res = await platform
        .http()
        .post('/v1/billing/webhooks/lago')
        .set({ 'Content-Type': 'application/json', ...lago.signHmac(body) })
        .send(body)
        .expect(200);
      expect(res.body.status).toBe('ignored');
    }
    expect(await ledgerAudit(platform)).toEqual(audit);
  });

  it('answers an oversized body with 413 in the error shape', async () => {
    const res = await platform
      .http()
      .post('/v1/billing/webhooks/lago')
      .set({ 'Content-Type': 'application/json', 'X-Lago-Signature': 'x' })
      .send('x'.repeat(1024 * 1024 + 10));
    expect(res.status).toBe(413);
    expect(res.body.error).toBeDefined();
  });
});
