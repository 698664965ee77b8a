import { ApisixAdminFake } from './apisix-admin-fake';

/** The fake refuses what APISIX refuses, in APISIX's words; otherwise tests of the sync prove nothing. */
describe('fake APISIX Admin API', () => {
  let fake: ApisixAdminFake;
  const call = (method: string, path: string, body?: unknown, key: string | null = fake.adminKey) =>
    fetch(`${fake.url}/apisix/admin${path}`, {
      method,
      headers: {
        ...(key === null ? {} : { 'X-API-KEY': key }),
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

  beforeEach(async () => {
    fake = await new ApisixAdminFake().start();
  });
  afterEach(() => fake.stop());

  const upstream = { type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }] };

  it('answers 401 without or with a wrong X-API-KEY', async () => {
    expect(await call('GET', '/routes', undefined, null)).toEqual({
      status: 401,
      body: { error_msg: 'failed to check token', description: 'missing apikey' },
    });
    expect((await call('GET', '/routes', undefined, 'nope')).body.description).toBe('wrong apikey');
  });

  it('creates with 201, replaces with 200, and stores the defaults APISIX fills in', async () => {
    const created = await call('PUT', '/upstreams/u1', upstream);
    expect(created.status).toBe(201);
    expect(created.body.key).toBe('/apisix/upstreams/u1');
    expect(created.body.value).toMatchObject({
      id: 'u1',
      scheme: 'http',
      pass_host: 'pass',
      hash_on: 'vars',
      nodes: [{ host: '10.0.0.1', port: 8080, weight: 1, priority: 0 }],
    });
    expect((await call('PUT', '/upstreams/u1', upstream)).status).toBe(200);
    const route = await call('PUT', '/routes/r1', {
      uri: '/v1/*',
      upstream_id: 'u1',
      plugins: { 'forward-auth': { uri: 'http://platform/gateway/auth' } },
    });
    expect(route.status).toBe(201);
    expect(route.body.value).toMatchObject({
      status: 1,
      priority: 0,
      plugins: {
        'forward-auth': {
          request_method: 'GET',
          timeout: 3000,
          ssl_verify: true,
          upstream_headers: [],
        },
      },
    });
    const list = await call('GET', '/routes?page=1&page_size=10');
    expect(list.body.total).toBe(1);
    expect(list.body.list[0]).toMatchObject({ key: '/apisix/routes/r1', value: { id: 'r1' } });
  });

  it('refuses unknown fields, unknown plugins and invalid plugin configs with error_msg', async () => {
    await call('PUT', '/upstreams/u1', upstream);
    expect(await call('PUT', '/routes/r1', { uri: 1, upstream_id: 'u1' })).toEqual({
      status: 400,
      body: {
        error_msg:
          'invalid configuration: property "uri" validation failed: wrong type: expected string, got number',
      },
    });
    expect(
      (await call('PUT', '/routes/r1', { uri: '/x', upstream_id: 'u1', hots: ['a'] })).body,
    ).toEqual({ error_msg: 'invalid configuration: additional properties forbidden, found hots' });
    expect(
      (
        await call('PUT', '/routes/r1', {
          uri: '/x',
          upstream_id: 'u1',
          plugins: { 'forward-oauth': {} },
        })
      ).body,
    ).toEqual({ error_msg: 'unknown plugin [forward-oauth]' });
    expect(
      (
        await call('PUT', '/routes/r1', {
          uri: '/x',
          upstream_id: 'u1',
          plugins: { 'forward-auth': {} },
        })
      ).body,
    ).toEqual({
      error_msg:
        'failed to check the configuration of plugin forward-auth err: property "uri" is required',
    });
    const badLimit = await call('PUT', '/routes/r1', {
      uri: '/x',
      upstream_id: 'u1',
      plugins: { 'limit-count': { count: 0, time_window: 60 } },
    });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error_msg).toMatch(
      /^failed to check the configuration of plugin limit-count err: /,
    );
    const dupRules = await call('PUT', '/routes/r1', {
      uri: '/x',
      upstream_id: 'u1',
      plugins: {
        'limit-count': {
          rules: [
            { count: 1, time_window: 60, key: '$http_a' },
            { count: 2, time_window: 60, key: '$http_a' },
          ],
        },
      },
    });
    expect(dupRules.body.error_msg).toBe(
      "failed to check the configuration of plugin limit-count err: duplicate key '$http_a' in rules",
    );
    const odd = await call('PUT', '/routes/r1', {
      uri: '/x',
      upstream_id: 'u1',
      plugins: { 'proxy-rewrite': { regex_uri: ['^/a/(.*)', '/$1', 'x'] } },
    });
    expect(odd.body.error_msg).toMatch(/regex_uri should be an even number/);
    const typo = await call('PUT', '/routes/r1', {
      uri: '/x',
      upstream_id: 'u1',
      plugins: { prometheus: { prefer_names: true } },
    });
    expect(typo.body.error_msg).toMatch(/additional properties forbidden, found prefer_names/);
  });

  it('refuses a route naming a missing upstream, and deleting an upstream in use', async () => {
    expect((await call('PUT', '/routes/r1', { uri: '/x', upstream_id: 'nope' })).body).toEqual({
      error_msg: 'failed to fetch upstream info by upstream id [nope], response code: 404',
    });
    await call('PUT', '/upstreams/u1', upstream);
    await call('PUT', '/routes/r1', { uri: '/x', upstream_id: 'u1' });
    expect(await call('DELETE', '/upstreams/u1')).toEqual({
      status: 400,
      body: { error_msg: 'can not delete this upstream, route [r1] is still using it now' },
    });
    expect(await call('DELETE', '/routes/r1')).toEqual({
      status: 200,
      body: { deleted: '1', key: '/apisix/routes/r1' },
    });
    expect((await call('DELETE', '/upstreams/u1')).status).toBe(200);
    expect(await call('GET', '/upstreams/u1')).toEqual({
      status: 404,
      body: { message: 'Key not found' },
    });
  });

  it('holds key-auth credentials under consumers, one auth plugin each', async () => {
    expect(
      (
        await call('PUT', '/consumers/jack/credentials/k1', {
          plugins: { 'key-auth': { key: 'a' } },
        })
      ).body,
    ).toEqual({
      error_msg: 'consumer not found',
    });
    expect(
      (
        await call('PUT', '/consumers', {
          username: 'jack',
          plugins: { 'limit-count': { count: 5, time_window: 60 } },
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('PUT', '/consumers/jack/credentials/k1', { plugins: { 'key-auth': {} } })).body
        .error_msg,
    ).toBe('failed to check the configuration of plugin key-auth err: property "key" is required');
    const ok = await call('PUT', '/consumers/jack/credentials/k1', {
      plugins: { 'key-auth': { key: 'secret' } },
    });
    expect(ok).toMatchObject({
      status: 201,
      body: { key: '/apisix/consumers/jack/credentials/k1' },
    });
    await call('DELETE', '/consumers/jack');
    expect(fake.credentialsOf('jack').size).toBe(0);
  });

  it('refuses a page_size outside 10..500 and an unsupported resource', async () => {
    expect((await call('GET', '/routes?page_size=5')).status).toBe(400);
    expect(await call('GET', '/widgets')).toEqual({
      status: 404,
      body: { error_msg: 'Unsupported resource type: widgets' },
    });
  });
});
