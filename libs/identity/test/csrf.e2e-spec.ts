import { SessionsService } from '@nanopod/identity';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

/**
 * Writes carried by the session cookie need our own origin (Sec-Fetch-Site or Origin);
 * API keys and bearer tokens are not affected, and reads never change anything.
 */
describe.each(databaseKinds())('cross-site request forgery (%s)', (kind) => {
  let platform: TestPlatform;
  let user: TestUser;
  let cookie: string;
  let own: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    own = new URL(platform.config.publicUrl).origin;
  });
  beforeEach(async () => {
    user = await platform.createUser();
    const { token } = await platform.app.get(SessionsService).start(user.id);
    cookie = `nanopod_session=${token}`;
  });
  afterAll(async () => {
    await platform?.close();
  });

  async function createKey(
    headers: Record<string, string>,
    body = { name: 'k', scopes: ['read'] },
  ) {
    const res = await fetch(`${platform.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { id?: string; error?: Record<string, unknown> },
    };
  }

  it('refuses cookie writes from another origin, or with no origin at all, with 403 auth.csrf', async () => {
    const refused: Record<string, string>[] = [
      {},
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `${own}.evil.example` },
      { 'sec-fetch-site': 'cross-site', origin: own },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of refused) {
      const res = await createKey({ cookie, ...headers });
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.body.error).toMatchObject({ code: 'auth.csrf', details: expect.any(Object) });
    }
    const list = await fetch(`${platform.url}/v1/api-keys`, { headers: { cookie } });
    // Only the test key made by createUser: nothing was created by the refused requests.
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('takes cookie writes from our own pages', async () => {
    const accepted: Record<string, string>[] = [
      { origin: own },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      { 'sec-fetch-site': 'same-origin', origin: own },
    ];
    for (const headers of accepted) {
      const res = await createKey({ cookie, ...headers });
      expect({ headers, status: res.status }).toEqual({ headers, status: 201 });
    }
  });

  it('refuses a cross-site form post (the classic attack) before it reaches the route', async () => {
    const res = await fetch(`${platform.url}/v1/sandboxes`, {
      method: 'POST',
      headers: {
        cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'ttl_seconds=600&egress=true',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('auth.csrf');
  });

  it('leaves API keys and reads alone', async () => {
    const res = await createKey({ ...user.auth, cookie, origin: 'https://evil.example' });
    expect(res.status).toBe(201);
    const key = res.body.id as string;
    const del = await fetch(`${platform.url}/v1/api-keys/${key}`, {
      method: 'DELETE',
      headers: { ...user.auth, origin: 'https://evil.example' },
    });
    expect(del.status).toBeLessThan(300);
    const read = await fetch(`${platform.url}/v1/me`, {
      headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(read.status).toBe(200);
  });

  it('signs out only on a same-origin POST; GET /auth/logout is a page that changes nothing', async () => {
    const me = () => fetch(`${platform.url}/v1/me`, { headers: { cookie } });
    const page = await fetch(`${platform.url}/auth/logout`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toMatch(/<form id="nanopod-logout" method="post" action="\/auth\/logout">/);
    expect((await me()).status).toBe(200);

    const forged = await fetch(`${platform.url}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    expect((await me()).status).toBe(200);

    const out = await fetch(`${platform.url}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: own },
    });
    expect(out.status).toBe(302);
    expect((await me()).status).toBe(401);
  });
});
