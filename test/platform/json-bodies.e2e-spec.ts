import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';

/**
 * The body parser refuses hostile JSON shapes itself, in the error shape, before the
 * validation pipe (which recurses per level and once overflowed the stack) sees them.
 */
describe.each(databaseKinds())('JSON bodies the parser refuses (%s)', (kind) => {
  let platform: TestPlatform;
  let dev: TestUser;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    dev = await platform.createUser();
  });
  afterAll(async () => {
    await platform?.close();
  });

  async function post(path: string, body: string, type = 'application/json') {
    const res = await fetch(`${platform.url}${path}`, {
      method: 'POST',
      headers: { ...dev.auth, 'content-type': type },
      body,
    });
    return { status: res.status, body: (await res.json()) as { error?: Record<string, unknown> } };
  }

  it('answers 400 request.too_deep to a body nested thousands of levels deep', async () => {
    for (const body of [
      '['.repeat(5000) + ']'.repeat(5000),
      '{"name":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001),
      '{"name":' + '['.repeat(40) + ']'.repeat(40) + '}',
    ]) {
      const res = await post('/v1/api-keys', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'request.too_deep',
        details: { max_depth: 32 },
      });
    }
    // Unclosed and deep is still too deep, not a parse error that reached JSON.parse first.
    expect((await post('/v1/api-keys', '['.repeat(100000))).body.error?.code).toBe(
      'request.too_deep',
    );
  });

  it('answers 400 request.too_many_keys to huge arrays and objects', async () => {
    const arr = `{"name":"k","scopes":[${Array(30000).fill('"read"').join(',')}]}`;
    const res = await post('/v1/api-keys', arr);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('request.too_many_keys');
    const keys = Array.from({ length: 25000 }, (_, i) => `"k${i}":1`).join(',');
    expect((await post('/v1/api-keys', `{${keys}}`)).body.error?.code).toBe(
      'request.too_many_keys',
    );
  });

  it('refuses prototype keys, escaped or not, at any depth', async () => {
    for (const body of [
      '{"name":"k","__proto__":{"admin":true}}',
      '{"name":"k","constructor":{"prototype":{"x":1}}}',
      '{"name":"k","scopes":[{"prototype":1}]}',
      '{"name":"k","\\u005f_proto__":{}}',
    ]) {
      const res = await post('/v1/api-keys', body);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('request.forbidden_key');
    }
    const form = await post(
      '/v1/api-keys',
      'constructor=1&name=k',
      'application/x-www-form-urlencoded',
    );
    expect(form.status).toBe(400);
    expect(form.body.error?.code).toBe('request.forbidden_key');
  });

  it('refuses duplicate keys instead of silently keeping one', async () => {
    for (const body of ['{"name":"a","name":"b"}', '{"name":"a","n\\u0061me":"b"}']) {
      const res = await post('/v1/api-keys', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'request.duplicate_key',
        details: { key: 'name' },
      });
    }
    // The same key in sibling objects is fine.
    const ok = await post('/v1/api-keys', '{"name":"dup-ok","scopes":["read"]}');
    expect(ok).toMatchObject({ status: 201 });
  });

  it('refuses NUL in strings and in the URL', async () => {
    const res = await post('/v1/api-keys', '{"name":"a\\u0000b"}');
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('request.nul_byte');
    // An escaped backslash before u0000 is not a NUL.
    expect((await post('/v1/api-keys', '{"name":"a\\\\u0000b","scopes":["read"]}')).status).toBe(
      201,
    );
    const url = await fetch(`${platform.url}/v1/sandboxes/abc%00def`, { headers: dev.auth });
    expect(url.status).toBe(400);
    expect(((await url.json()) as { error: { code: string } }).error.code).toBe('request.nul_byte');
  });

  it('still takes ordinary bodies, with and without a charset, and keeps malformed JSON a 400', async () => {
    const ok = await post(
      '/v1/api-keys',
      '{"name":"plain","scopes":["read"]}',
      'application/json; charset=utf-8',
    );
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ name: 'plain' });
    const bad = await post('/v1/api-keys', '{"name": "x",');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('request.malformed_json');
    const scalar = await post('/v1/api-keys', '"text"');
    expect(scalar.body.error?.code).toBe('request.malformed_json');
  });
});
