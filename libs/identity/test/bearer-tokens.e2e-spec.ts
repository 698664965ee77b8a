import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeJwt, importJWK, JWK, SignJWT } from 'jose';
import { AccessTokenVerifier } from '@nanopod/identity';
import type { TokenRejection } from '../src/oidc/access-token-verifier.service';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';
import { obtainRealmTokens } from '../../../test/support/realm-tokens';

describe.each(databaseKinds())('bearer access tokens from the realm (%s)', (kind) => {
  let platform: TestPlatform;
  let dataDir: string;
  let realm: string;
  let realmKey: JWK;

  beforeAll(async () => {
    // A data directory on disk: the issuer keeps its signing key there, so the test can sign
    // tokens that are right in every way but one.
    dataDir = mkdtempSync(path.join(tmpdir(), 'nanopod-tokens-'));
    platform = await startTestPlatform({
      kind,
      env: { NANOPOD_DATA_DIR: dataDir, NANOPOD_ADMIN_GITHUB_LOGINS: 'token-admin' },
    });
    realm = `${platform.config.publicUrl}/realms/nanopod`;
    await fetch(`${realm}/.well-known/openid-configuration`);
    const keys = JSON.parse(readFileSync(path.join(dataDir, 'oidc-issuer-keys.json'), 'utf8')) as {
      jwks: { keys: JWK[] };
    };
    realmKey = keys.jwks.keys[0];
    expect(statSync(path.join(dataDir, 'oidc-issuer-keys.json')).mode & 0o777).toBe(0o600);
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const me = (token: string) =>
    platform.http().get('/v1/me').set('Authorization', `Bearer ${token}`);

  async function forge(
    claims: Record<string, unknown>,
    opts: { key?: JWK; alg?: string; kid?: string } = {},
  ): Promise<string> {
    const key = opts.key ?? realmKey;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      typ: 'Bearer',
      azp: 'nanopod-cli',
      preferred_username: 'forged-user',
      realm_access: { roles: ['developer'] },
      ...claims,
    })
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? realmKey.kid })
      .setIssuer((claims.iss as string) ?? realm)
      .setSubject('7d0a6f0e-8d1c-4a57-9d6b-3f1f5b2a9c01')
      .setAudience((claims.aud as string) ?? 'nanopod-platform')
      .setIssuedAt(now - 10)
      .setExpirationTime((claims.exp as number) ?? now + 300)
      .sign(await importJWK(key, opts.alg ?? 'RS256'));
  }

  it('accepts an access token from the CLI sign-in and carries Keycloak-like claims', async () => {
    const tokens = await obtainRealmTokens(platform.config.publicUrl, {
      login: 'Token-Admin',
      name: 'Token Admin',
      email: 'ta@example.test',
    });
    expect(tokens.refresh_token).toBeTruthy();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: realm,
      aud: 'nanopod-platform',
      azp: 'nanopod-cli',
      typ: 'Bearer',
      preferred_username: 'token-admin',
      github_login: 'Token-Admin',
      realm_access: { roles: expect.arrayContaining(['admin', 'developer']) },
    });
    expect(String(claims.github_id)).toMatch(/^\d+$/);
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);

    const res = await me(tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      github_login: 'Token-Admin',
      authenticated_via: 'jwt',
      roles: ['admin', 'developer'],
    });
  });

  it('accepts a token signed by the realm key with every claim right (the forging is sound)', async () => {
    const res = await me(await forge({}));
    expect(res.status).toBe(200);
    expect(res.body.authenticated_via).toBe('jwt');
  });

  const refused: Array<[string, () => Promise<string>, TokenRejection]> = [
    ['an expired token', () => forge({ exp: Math.floor(Date.now() / 1000) - 120 }), 'expired'],
    [
      'a token from another issuer',
      () => forge({ iss: 'http://127.0.0.1:1/realms/nanopod' }),
      'wrong_issuer',
    ],
    [
      'a token for another audience',
      () => forge({ aud: 'other-api', azp: 'other-client' }),
      'wrong_audience',
    ],
    [
      'a token that is not yet valid',
      async () => forge({ nbf: Math.floor(Date.now() / 1000) + 3600 }),
      'not_yet_valid',
    ],
    [
      'a token that is not an access token (typ ID)',
      () => forge({ typ: 'ID' }),
      'not_access_token',
    ],
    [
      'a token with a bad signature',
      async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const other = privateKey.export({ format: 'jwk' }) as JWK;
        return forge({}, { key: other });
      },
      'bad_signature',
    ],
    [
      'a token with a tampered payload',
      async () => {
        const [h, , s] = (await forge({})).split('.');
        const payload = Buffer.from(
          JSON.stringify({ ...decodeJwt(await forge({})), realm_access: { roles: ['admin'] } }),
        ).toString('base64url');
        return `${h}.${payload}.${s}`;
      },
      'bad_signature',
    ],
    [
      'an alg "none" token',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString(
          'base64url',
        );
        const payload = Buffer.from(
          JSON.stringify({
            iss: realm,
            sub: 'x',
            aud: 'nanopod-platform',
            typ: 'Bearer',
            azp: 'nanopod-cli',
            iat: now,
            exp: now + 300,
          }),
        ).toString('base64url');
        return `${header}.${payload}.`;
      },
      'bad_algorithm',
    ],
    [
      'an HS256 token keyed with the public key (algorithm confusion)',
      async () =>
        forge(
          {},
          {
            key: { kty: 'oct', k: Buffer.from(realmKey.n ?? 'x').toString('base64url') },
            alg: 'HS256',
          },
        ),
      'bad_algorithm',
    ],
    ['a string that only looks like a JWT', async () => 'aaa.bbb.ccc', 'malformed'],
  ];

  it.each(refused)('refuses %s with 401 in the error shape', async (_name, make, reason) => {
    const token = await make();
    // The verifier instance of the running app says why, so each case fails for its own reason.
    await expect(platform.app.get(AccessTokenVerifier).verify(token)).rejects.toMatchObject({
      reason,
    });
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'auth.unauthenticated', message: expect.any(String), details: null },
    });
  });

  it('refuses the ID token used as a bearer token', async () => {
    const tokens = await obtainRealmTokens(platform.config.publicUrl, { login: 'id-token-user' });
    expect(tokens.id_token).toBeTruthy();
    expect((await me(tokens.id_token as string)).status).toBe(401);
  });

  it('refreshes an access token with the refresh token', async () => {
    const tokens = await obtainRealmTokens(platform.config.publicUrl, { login: 'refresher' });
    const res = await fetch(`${realm}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token as string,
        client_id: 'nanopod-cli',
      }),
    });
    expect(res.status).toBe(200);
    const fresh = (await res.json()) as { access_token: string };
    expect((await me(fresh.access_token)).status).toBe(200);
  });
});
