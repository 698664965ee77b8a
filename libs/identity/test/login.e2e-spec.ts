import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';
import { Browser } from '../../../test/support/oidc-browser';

describe.each(databaseKinds())('browser sign-in through the built-in issuer (%s)', (kind) => {
  let platform: TestPlatform;
  let base: string;

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      env: { NANOPOD_ADMIN_GITHUB_LOGINS: 'Octo-Admin' },
    });
    base = platform.config.publicUrl;
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('serves the realm discovery document at Keycloak paths', async () => {
    const res = await fetch(`${base}/realms/nanopod/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const realm = `${base}/realms/nanopod`;
    expect(doc).toMatchObject({
      issuer: realm,
      authorization_endpoint: `${realm}/protocol/openid-connect/auth`,
      token_endpoint: `${realm}/protocol/openid-connect/token`,
      jwks_uri: `${realm}/protocol/openid-connect/certs`,
      end_session_endpoint: `${realm}/protocol/openid-connect/logout`,
      device_authorization_endpoint: `${realm}/protocol/openid-connect/auth/device`,
    });
    expect(doc.code_challenge_methods_supported).toContain('S256');
  });

  it('redirects /auth/login to the realm with PKCE S256, state, nonce and kc_idp_hint=github', async () => {
    const res = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(
      `${base}/realms/nanopod/protocol/openid-connect/auth`,
    );
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('state')).toBeTruthy();
    expect(to.searchParams.get('nonce')).toBeTruthy();
    expect(to.searchParams.get('kc_idp_hint')).toBe('github');
    expect(to.searchParams.get('client_id')).toBe('nanopod-platform');
    expect(to.searchParams.get('redirect_uri')).toBe(`${base}/auth/callback`);
    expect(res.headers.getSetCookie().join('\n')).toMatch(/nanopod_login=.*HttpOnly/i);
  });

  it('signs in with the development GitHub page, keeps a session, and logs out at the platform and the realm', async () => {
    const browser = new Browser();
    const landed = await browser.signIn(`${base}/auth/login?return_to=/keys`, {
      login: 'mona-lisa',
      name: 'Mona Lisa',
      email: 'mona@example.test',
    });
    expect(landed.url).toBe(`${base}/keys`);
    const host = new URL(base).host;
    const session = browser.jar.get(host, 'nanopod_session');
    expect(session).toBeTruthy();

    const me = await browser.go(`${base}/v1/me`);
    expect(me.status).toBe(200);
    const body = JSON.parse(me.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      github_login: 'mona-lisa',
      name: 'Mona Lisa',
      email: 'mona@example.test',
      roles: ['developer'],
      authenticated_via: 'session',
      avatar_url: 'https://github.com/mona-lisa.png',
    });
    expect(body.github_id).toMatch(/^\d+$/);

    // The session row makes the cookie revocable: after logout the same cookie is refused.
    const out = await browser.signIn(`${base}/auth/logout`, { login: 'unused' });
    expect(out.url).toBe(`${base}/`);
    expect(browser.jar.get(host, 'nanopod_session')).toBeUndefined();
    const replay = await fetch(`${base}/v1/me`, {
      headers: { cookie: `nanopod_session=${session}` },
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe(
      'auth.unauthenticated',
    );
    expect((await browser.go(`${base}/v1/me`)).status).toBe(401);

    // The realm session ended too: signing in again shows the GitHub page again.
    const again = await browser.go(`${base}/auth/login`);
    expect(again.body).toContain('id="github-login"');
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const browser = new Browser();
    const start = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    browser.jar.store(new URL(base), start.headers.getSetCookie());
    const github = await browser.go(start.headers.get('location') ?? '');
    const action = /action="([^"]+)"/.exec(github.body)?.[1] ?? '';
    let res = await fetch(new URL(action, github.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: browser.jar.header(new URL(action, github.url)) ?? '',
      },
      body: 'login=cookie-checker',
    });
    let url = new URL(res.headers.get('location') ?? '', github.url);
    while (!url.pathname.startsWith('/auth/callback')) {
      browser.jar.store(new URL(res.url || url), res.headers.getSetCookie());
      res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: browser.jar.header(url) ?? '' },
      });
      browser.jar.store(url, res.headers.getSetCookie());
      url = new URL(res.headers.get('location') ?? '', url);
    }
    const cb = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: browser.jar.header(url) ?? '' },
    });
    expect(cb.status).toBe(302);
    const cookie = cb.headers.getSetCookie().find((c) => c.startsWith('nanopod_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it('gives the admin role to a login listed in NANOPOD_ADMIN_GITHUB_LOGINS on sign-in', async () => {
    const browser = new Browser();
    await browser.signIn(`${base}/auth/login`, { login: 'octo-admin' });
    const me = JSON.parse((await browser.go(`${base}/v1/me`)).body) as { roles: string[] };
    expect(me.roles).toEqual(['admin', 'developer']);
    const users = await browser.go(`${base}/v1/admin/users`);
    expect(users.status).toBe(200);
  });

  it('refuses the admin-only route to a developer', async () => {
    const browser = new Browser();
    await browser.signIn(`${base}/auth/login`, { login: 'plain-dev' });
    const res = await browser.go(`${base}/v1/admin/users`);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'auth.admin_required' } });
    const viaKey = await platform.createUser();
    const byKey = await platform.http().get('/v1/admin/users').set(viaKey.auth);
    expect(byKey.status).toBe(403);
  });

  it('refuses a callback without a sign-in in progress, and a login with a bad GitHub login', async () => {
    const res = await fetch(`${base}/auth/callback?code=abc&state=def`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'auth.login_expired',
    );

    const browser = new Browser();
    const github = await browser.go(`${base}/auth/login`);
    const action = new URL(/action="([^"]+)"/.exec(github.body)?.[1] ?? '', github.url).href;
    const bad = await browser.go(action, { method: 'POST', form: { login: '-bad--login-' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('role="alert"');
  });

  it('does not redirect off-site after sign-in', async () => {
    for (const target of ['//evil.example/x', '/\\evil.example', 'https://evil.example/']) {
      const browser = new Browser();
      const landed = await browser.signIn(
        `${base}/auth/login?return_to=${encodeURIComponent(target)}`,
        { login: 'careful-user' },
      );
      expect(landed.url).toBe(`${base}/`);
    }
  });
});
