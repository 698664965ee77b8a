import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

describe.each(databaseKinds())('the sandbox API without nodes on %s', (kind) => {
  let platform: TestPlatform;
  let dev: TestUser;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    dev = await platform.createUser();
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('answers 409 no_capacity, with the request and no schedulable nodes, when no node is connected', async () => {
    const res = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ resources: { cpu: 2, memory_mb: 1024, gpus: 1, gpu_type: 'rtx' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sandbox.no_capacity');
    expect(res.body.error.message).toBe('No node is connected and schedulable now');
    expect(res.body.error.details.requested).toMatchObject({
      cpu: 2,
      memory_mb: 1024,
      gpus: 1,
      gpu_type: 'rtx',
      runtime: 'bwrap',
    });
    expect(res.body.error.details.available).toEqual([]);
  });

  it('rejects unknown fields and out-of-range resources with request.invalid', async () => {
    const unknown = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ image: 'ubuntu' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('request.invalid');
    const tooBig = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ resources: { gpus: 99 } });
    expect(tooBig.status).toBe(400);
    const badNetwork = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ network: 'everything' });
    expect(badNetwork.status).toBe(400);
    for (const env of [{ 'BAD NAME': 'x' }, { N: 42 }, { N: { nested: true } }, ['A=1']]) {
      const badEnv = await platform.http().post('/v1/sandboxes').set(dev.auth).send({ env });
      expect(badEnv.status).toBe(400);
      expect(badEnv.body.error.code).toBe('request.invalid');
    }
    const badExecEnv = await platform
      .http()
      .post('/v1/sandboxes/00000000-0000-4000-8000-000000000000/exec')
      .set(dev.auth)
      .send({ argv: ['env'], env: { N: 1 } });
    expect(badExecEnv.status).toBe(400);
  });

  it('answers 404 for sandboxes that do not exist and 400 for ids that are neither UUIDs nor names', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await platform.http().get(`/v1/sandboxes/${missing}`).set(dev.auth)).status).toBe(404);
    const exec = await platform
      .http()
      .post(`/v1/sandboxes/${missing}/exec`)
      .set(dev.auth)
      .send({ argv: ['true'] });
    expect(exec.status).toBe(404);
    expect(exec.body.error.code).toBe('sandbox.not_found');
    // A name nobody has is a 404 like a missing id.
    const unnamed = await platform.http().get('/v1/sandboxes/no-such-name').set(dev.auth);
    expect(unnamed.status).toBe(404);
    expect(unnamed.body.error.code).toBe('sandbox.not_found');
    const bad = await platform.http().get('/v1/sandboxes/Not_A_Name').set(dev.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('request.invalid');
    const badExec = await platform
      .http()
      .post('/v1/sandboxes/-not-a-name/exec')
      .set(dev.auth)
      .send({ argv: ['true'] });
    expect(badExec.status).toBe(400);
  });

  it('refuses file paths that leave the work dir before anything reaches a node', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const path of ['../x', 'a/../../x', '/etc/passwd']) {
      const res = await platform
        .http()
        .get(`/v1/sandboxes/${missing}/files?path=${encodeURIComponent(decodeURIComponent(path))}`)
        .set(dev.auth);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('sandbox.path_invalid');
    }
    // A NUL anywhere in the URL is refused by the HTTP layer before any route runs.
    const nul = await platform
      .http()
      .get(`/v1/sandboxes/${missing}/files?path=a%00b`)
      .set(dev.auth);
    expect(nul.status).toBe(400);
    expect(nul.body.error.code).toBe('request.nul_byte');
  });

  it('lists nothing for a new user and needs credentials', async () => {
    const mine = await platform.http().get('/v1/sandboxes').set(dev.auth);
    expect(mine.status).toBe(200);
    expect(mine.body.data).toEqual([]);
    expect((await platform.http().get('/v1/sandboxes')).status).toBe(401);
  });

  it('documents every sandbox route in OpenAPI', async () => {
    const doc = await platform.http().get('/docs-json');
    const paths = Object.keys(doc.body.paths as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/sandboxes',
        '/v1/sandboxes/{id}',
        '/v1/sandboxes/{id}/exec',
        '/v1/sandboxes/{id}/files',
        '/v1/sandboxes/{id}/files/list',
        '/v1/sandboxes/{id}/archive',
        '/v1/sandboxes/{id}/stop',
        '/v1/nodes',
        '/v1/nodes/exec',
        '/v1/partners/{id}/enrollment-tokens',
        '/v1/agent/enroll',
      ]),
    );
  });
});
