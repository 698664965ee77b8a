import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { DataSource } from 'typeorm';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';
import { linkWallet } from './support/fixtures';

describe.each(databaseKinds())('wallet proof with Sign-In with Ethereum (%s)', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const verify = (auth: Record<string, string>, message: string, signature: string) =>
    platform.http().post('/v1/me/wallet/verify').set(auth).send({ message, signature });

  it('issues a nonce with the EIP-4361 fields and links the wallet that signed', async () => {
    const dev = await platform.createUser();
    const wallet = Wallet.createRandom();
    const challenge = await platform
      .http()
      .post('/v1/me/wallet/nonce')
      .set(dev.auth)
      .send({})
      .expect(201);
    expect(challenge.body).toMatchObject({
      version: '1',
      chain_id: 1,
      domain: new URL(platform.config.publicUrl).host,
      uri: platform.config.publicUrl,
    });
    expect(challenge.body.nonce).toMatch(/^[A-Za-z0-9]{8,}$/);
    expect(challenge.body.message).toBeUndefined();
    // A client (a browser wallet) builds the message from the fields itself.
    const message = new SiweMessage({
      domain: challenge.body.domain,
      address: wallet.address,
      statement: challenge.body.statement,
      uri: challenge.body.uri,
      version: '1',
      chainId: 1,
      nonce: challenge.body.nonce,
      issuedAt: challenge.body.issued_at,
      expirationTime: challenge.body.expiration_time,
    }).prepareMessage();
    const linked = await verify(dev.auth, message, await wallet.signMessage(message)).expect(200);
    expect(linked.body).toMatchObject({ address: wallet.address, chain_id: 1 });
    const status = await platform.http().get('/v1/me/wallet').set(dev.auth).expect(200);
    expect(status.body.wallet.address).toBe(wallet.address);
  });

  it('refuses a replayed nonce', async () => {
    const dev = await platform.createUser();
    const first = await linkWallet(platform, dev, Wallet.createRandom());
    expect(first.status).toBe(200);
    const replay = await verify(dev.auth, first.message, first.signature).expect(400);
    expect(replay.body.error).toMatchObject({
      code: 'reputation.nonce_invalid',
      details: { reason: 'used' },
    });
  });

  it('accepts a nonce once when the same signed message arrives several times at once', async () => {
    const dev = await platform.createUser();
    const wallet = Wallet.createRandom();
    const challenge = await platform
      .http()
      .post('/v1/me/wallet/nonce')
      .set(dev.auth)
      .send({ address: wallet.address })
      .expect(201);
    const message = challenge.body.message as string;
    const signature = await wallet.signMessage(message);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => verify(dev.auth, message, signature)),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400]);
    for (const r of answers.filter((a) => a.status === 400)) {
      expect(r.body.error).toMatchObject({
        code: 'reputation.nonce_invalid',
        details: { reason: 'used' },
      });
    }
  });

  it('refuses a signature made by another address than the message names', async () => {
    const dev = await platform.createUser();
    const claimed = Wallet.createRandom();
    const signer = Wallet.createRandom();
    const challenge = await platform
      .http()
      .post('/v1/me/wallet/nonce')
      .set(dev.auth)
      .send({ address: claimed.address })
      .expect(201);
    const r = await verify(
      dev.auth,
      challenge.body.message,
      await signer.signMessage(challenge.body.message),
    ).expect(400);
    expect(r.body.error.code).toBe('reputation.signature_invalid');
    expect(
      (await platform.http().get('/v1/me/wallet').set(dev.auth).expect(200)).body.wallet,
    ).toBeNull();
    // The nonce was spent by the failed attempt.
    const again = await verify(
      dev.auth,
      challenge.body.message,
      await claimed.signMessage(challenge.body.message),
    ).expect(400);
    expect(again.body.error.details.reason).toBe('used');
  });

  it('refuses a message for another domain, a nonce issued to someone else, and garbage', async () => {
    const dev = await platform.createUser();
    const other = await platform.createUser();
    const wallet = Wallet.createRandom();
    const c = await platform
      .http()
      .post('/v1/me/wallet/nonce')
      .set(dev.auth)
      .send({ address: wallet.address })
      .expect(201);
    const foreign = (c.body.message as string).replace(
      `${c.body.domain} wants you`,
      'evil.example wants you',
    );
    const d = await verify(dev.auth, foreign, await wallet.signMessage(foreign)).expect(400);
    expect(d.body.error).toMatchObject({ code: 'reputation.signature_invalid' });
    expect(d.body.error.details.reason).toMatch(/Domain/);

    const c2 = await platform
      .http()
      .post('/v1/me/wallet/nonce')
      .set(dev.auth)
      .send({ address: wallet.address })
      .expect(201);
    const stolen = await verify(
      other.auth,
      c2.body.message,
      await wallet.signMessage(c2.body.message),
    ).expect(400);
    expect(stolen.body.error).toMatchObject({
      code: 'reputation.nonce_invalid',
      details: { reason: 'unknown' },
    });

    const junk = await verify(dev.auth, 'hello', `0x${'ab'.repeat(65)}`).expect(400);
    expect(junk.body.error.code).toBe('reputation.siwe_invalid');
    await platform
      .http()
      .post('/v1/me/wallet/verify')
      .set(dev.auth)
      .send({ message: 'x' })
      .expect(400);
    await platform
      .http()
      .post('/v1/me/wallet/nonce')
      .set(dev.auth)
      .send({ address: 'not-an-address' })
      .expect(400);
  });

  it('keeps one user per wallet and audits a re-link to a different wallet', async () => {
    const alice = await platform.createUser();
    const bob = await platform.createUser();
    const first = Wallet.createRandom();
    const second = Wallet.createRandom();
    expect((await linkWallet(platform, alice, first)).status).toBe(200);
    const taken = await linkWallet(platform, bob, first);
    expect(taken.status).toBe(409);
    expect(taken.body.error!.code).toBe('reputation.wallet_taken');

    expect((await linkWallet(platform, alice, second)).status).toBe(200);
    expect(
      (await platform.http().get('/v1/me/wallet').set(alice.auth).expect(200)).body.wallet.address,
    ).toBe(second.address);
    // The first wallet is free again for someone else.
    expect((await linkWallet(platform, bob, first)).status).toBe(200);

    await platform.http().delete('/v1/me/wallet').set(alice.auth).expect(200);
    await platform.http().delete('/v1/me/wallet').set(alice.auth).expect(404);
    const audit = (await platform.app
      .get(DataSource)
      .query(
        `SELECT action, address, previous_address FROM reputation_wallet_links WHERE user_id = $1 ORDER BY id`,
        [alice.id],
      )) as { action: string; address: string; previous_address: string | null }[];
    expect(audit).toEqual([
      { action: 'linked', address: first.address, previous_address: null },
      { action: 'relinked', address: second.address, previous_address: first.address },
      { action: 'unlinked', address: second.address, previous_address: null },
    ]);
  });
});
