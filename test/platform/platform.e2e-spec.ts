import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

describe.each(databaseKinds())('platform basics (%s)', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('answers /healthz and, with the database up, /readyz', async () => {
    expect((await platform.http().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await platform.http().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok' } });
  });

  it('exposes Prometheus metrics on their own loopback listener, never on the API port', async () => {
    await platform.http().get('/healthz');
    expect(platform.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(platform.metricsUrl).not.toContain(`:${platform.config.port}/`);
    const res = await fetch(platform.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('nanopod_http_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/healthz"/);
    const onApi = await platform.http().get('/metrics');
    expect(onApi.status).toBe(404);
    expect(onApi.text).not.toContain('nanopod_');
    expect((await fetch(platform.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('echoes a sane request id and makes one up otherwise', async () => {
    const given = await platform.http().get('/healthz').set('x-request-id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await platform.http().get('/healthz').set('x-request-id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await platform.http().get('/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'route.not_found', message: expect.any(String), details: null },
    });
  });

  it('serves an OpenAPI document with routes, bodies and the error shape', async () => {
    const res = await platform.http().get('/docs-json');
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/me', '/v1/api-keys', '/v1/api-keys/{id}', '/healthz']),
    );
    expect(doc.components.schemas).toHaveProperty('ErrorBodyDto');
    expect(doc.components.schemas).toHaveProperty('CreateApiKeyDto');
    const post = doc.paths['/v1/api-keys'].post as {
      responses: Record<string, unknown>;
      requestBody: unknown;
    };
    expect(post.requestBody).toBeDefined();
    expect(Object.keys(post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403']),
    );
    expect((await platform.http().get('/docs')).status).toBeLessThan(400);
  });

  it('refuses unknown fields, wrong types and malformed JSON with 400', async () => {
    const u = await platform.createUser();
    const unknown = await platform
      .http()
      .post('/v1/api-keys')
      .set(u.auth)
      .send({ name: 'x', scopes: ['read'], admin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('request.invalid');
    expect(unknown.body.error.details.fields[0].field).toBe('admin');
    const wrongType = await platform
      .http()
      .post('/v1/api-keys')
      .set(u.auth)
      .send({ name: 42, scopes: 'read' });
    expect(wrongType.status).toBe(400);
    const malformed = await platform
      .http()
      .post('/v1/api-keys')
      .set(u.auth)
      .set('content-type', 'application/json')
      .send('{"name": "x",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('request.malformed_json');
    const big = await platform
      .http()
      .post('/v1/api-keys')
      .set(u.auth)
      .send({ name: 'x'.repeat(2 * 1024 * 1024), scopes: ['read'] });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('request.too_large');
    const badId = await platform.http().delete('/v1/api-keys/not-a-uuid').set(u.auth);
    expect(badId.status).toBe(400);
  });
});
