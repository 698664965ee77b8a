import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { NodesService, type EnrollResponse } from '@nanopod/federation';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { connectFakeAgent, fakeInventory } from '../../../test/e2e/support/fake-agent';
import { fund } from '../../../test/e2e/support/node-agent-process';
import { SandboxEntity } from '../src/entities/sandbox.entity';
import { SandboxesRepository } from '../src/repositories/sandboxes.repository';
import { SandboxPlacement } from '../src/services/sandbox-placement.service';

describe.each(databaseKinds())('sandbox names on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let agent: WebSocket;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind, env: { NANOPOD_NODE_HEARTBEAT_MS: '600000' } });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    alice = await platform.createUser();
    bob = await platform.createUser();
    for (const u of [alice, bob]) await fund(platform, admin, u);
    const partner = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `names-${kind}` });
    const tok = await platform
      .http()
      .post(`/v1/partners/${partner.body.id}/enrollment-tokens`)
      .set(admin.auth)
      .send({});
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok.body.token, name: 'names-node', inventory: fakeInventory() });
    agent = await connectFakeAgent(platform.url, res.body as EnrollResponse, 1);
  }, 60000);

  afterAll(async () => {
    agent?.close();
    await platform?.close();
  });

  const create = (user: TestUser, body: object = {}) =>
    platform
      .http()
      .post('/v1/sandboxes')
      .set(user.auth)
      .send({ ttl_seconds: 60, resources: { cpu: 0.5, memory_mb: 128 }, ...body });

  it('generates a readable name when none is given and keeps the one given', async () => {
    const unnamed = await create(alice);
    expect(unnamed.status).toBe(201);
    expect(unnamed.body.name).toMatch(/^[a-z]+-[a-z]+-[0-9a-f]{4}$/);
    const named = await create(alice, { name: 'train-llama' });
    expect(named.status).toBe(201);
    expect(named.body.name).toBe('train-llama');
    const got = await platform.http().get('/v1/sandboxes/train-llama').set(alice.auth);
    expect(got.body).toMatchObject({ id: named.body.id, name: 'train-llama' });
    const listed = await platform.http().get('/v1/sandboxes?name=train-llama').set(alice.auth);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([named.body.id]);
    const all = await platform.http().get('/v1/sandboxes').set(alice.auth);
    expect(all.body.data.every((s: { name?: string }) => typeof s.name === 'string')).toBe(true);
  });

  it('refuses names that are not DNS labels, or look like a UUID, with the field named', async () => {
    for (const name of [
      'Train',
      'a_b',
      '-edge',
      'edge-',
      '',
      'x'.repeat(64),
      '00000000-0000-4000-8000-000000000000',
    ]) {
      const res = await create(alice, { name });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('request.invalid');
      expect(res.body.error.details.fields[0].field).toBe('name');
    }
    expect((await create(alice, { name: 'x'.repeat(63) })).status).toBe(201);
  });

  it('answers 409 name_taken for a name in use, and takes it again once that sandbox is deleted', async () => {
    const first = await create(alice, { name: 'dup' });
    expect(first.status).toBe(201);
    const again = await create(alice, { name: 'dup' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'sandbox.name_taken',
      details: { name: 'dup' },
    });
    const deleted = await platform.http().delete('/v1/sandboxes/dup').set(alice.auth);
    expect(deleted.body).toMatchObject({ id: first.body.id, name: 'dup' });
    const reused = await create(alice, { name: 'dup' });
    expect(reused.status).toBe(201);
    expect(reused.body.id).not.toBe(first.body.id);
  });

  it('runs exec, stop and delete by name', async () => {
    const sb = await create(alice, { name: 'worker' });
    expect(sb.body.state).toBe('running');
    const run = await platform
      .http()
      .post('/v1/sandboxes/worker/exec?wait=true')
      .set(alice.auth)
      .send({ argv: ['echo', 'hi'] });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ stdout: 'echo hi\n', exit_code: 0 });
    const stopped = await platform.http().post('/v1/sandboxes/worker/stop').set(alice.auth);
    expect(stopped.body).toMatchObject({ id: sb.body.id, state: 'stopped' });
    expect((await platform.http().delete('/v1/sandboxes/worker').set(alice.auth)).status).toBe(200);
    const gone = await platform.http().get('/v1/sandboxes/worker').set(alice.auth);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('sandbox.not_found');
  });

  it("resolves a name among the caller's own sandboxes only, admins' too", async () => {
    const mine = await create(alice, { name: 'shared' });
    expect(mine.status).toBe(201);
    for (const user of [bob, admin]) {
      const res = await platform.http().get('/v1/sandboxes/shared').set(user.auth);
      expect(res.status).toBe(404);
      const exec = await platform
        .http()
        .post('/v1/sandboxes/shared/exec?wait=true')
        .set(user.auth)
        .send({ argv: ['true'] });
      expect(exec.status).toBe(404);
    }
    // Names are per owner: Bob may use the same one, and each name finds its owner's sandbox.
    const his = await create(bob, { name: 'shared' });
    expect(his.status).toBe(201);
    expect((await platform.http().get('/v1/sandboxes/shared').set(bob.auth)).body.id).toBe(
      his.body.id,
    );
    // Admins still reach anyone's sandbox by id, as before.
    expect(
      (await platform.http().get(`/v1/sandboxes/${mine.body.id}`).set(admin.auth)).status,
    ).toBe(200);
  });

  it("draws a generated name again when it clashes with one of the owner's", async () => {
    const taken = await create(alice, { name: 'clash' });
    const row = (await platform.app.get(SandboxesRepository).findById(taken.body.id as string))!;
    // What `build` gives on each call: the first draw clashes, the second does not.
    const draws = ['clash', 'clash-free'];
    const placed = await platform.app.get(SandboxPlacement).reserve(
      {
        runtime: 'bwrap',
        cpu: 0.5,
        memory_mb: 128,
        gpus: 0,
        gpu_type: null,
        workload_class: 'latency_tolerant',
      },
      await platform.app.get(NodesService).schedulable(),
      () => Object.assign(new SandboxEntity(), row, { id: randomUUID(), name: draws.shift() }),
    );
    expect(placed?.name).toBe('clash-free');
    const got = await platform.http().get('/v1/sandboxes/clash-free').set(alice.auth);
    expect(got.body.id).toBe(placed?.id);
  });
});
