import { DataSource } from 'typeorm';
import type WebSocket from 'ws';
import type { EnrollResponse, PlatformMessage } from '@nanopod/federation';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { connectFakeAgent, fakeInventory } from './support/fake-agent';
import { fund } from './support/node-agent-process';
import { SandboxEnv } from '@nanopod/sandbox';

describe.each(databaseKinds())('sandbox env values at rest on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let agent: WebSocket;
  const starts: Array<Extract<PlatformMessage, { type: 'sandbox.start' }>> = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ kind, env: { NANOPOD_NODE_HEARTBEAT_MS: '600000' } });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    const partner = await platform
      .http()
      .post('/v1/partners')
      .set(admin.auth)
      .send({ name: `secrets-${kind}` });
    const tok = await platform
      .http()
      .post(`/v1/partners/${partner.body.id}/enrollment-tokens`)
      .set(admin.auth)
      .send({});
    const res = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token: tok.body.token, name: 'secrets-node', inventory: fakeInventory() });
    agent = await connectFakeAgent(platform.url, res.body as EnrollResponse, 10, (m) => {
      if (m.type === 'sandbox.start') starts.push(m);
    });
  }, 60000);

  afterAll(async () => {
    agent?.close();
    await platform?.close();
  });

  it('stores env values encrypted, sends them to the agent only, and never returns them', async () => {
    const dev = await platform.createUser();
    await fund(platform, admin, dev);
    const secret = `s3cr3t-${kind}-${Date.now()}`;
    const created = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ ttl_seconds: 60, resources: { cpu: 0.5, memory_mb: 128 }, env: { TOKEN: secret } });
    expect(created.status).toBe(201);
    expect(created.body.env_keys).toEqual(['TOKEN']);
    expect(JSON.stringify(created.body)).not.toContain(secret);
    const got = await platform.http().get(`/v1/sandboxes/${created.body.id}`).set(dev.auth);
    expect(JSON.stringify(got.body)).not.toContain(secret);

    const rows = (await platform.app
      .get(DataSource)
      .query(`SELECT env::text AS env FROM sandboxes WHERE id = $1`, [created.body.id])) as Array<{
      env: string;
    }>;
    expect(rows[0].env).not.toContain(secret);
    expect(JSON.parse(rows[0].env).TOKEN).toMatch(/^v1:/);

    const start = starts.find((s) => s.spec.sandbox_id === created.body.id);
    expect(start?.spec.env).toEqual({ TOKEN: secret });
  });

  it('seals rows written in plain text before, at the next start', async () => {
    const ds = platform.app.get(DataSource);
    const dev = await platform.createUser();
    await fund(platform, admin, dev);
    const created = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ ttl_seconds: 60, resources: { cpu: 0.5, memory_mb: 128 } });
    await ds.query(`UPDATE sandboxes SET env = '{"OLD":"plain-old-value"}'::jsonb WHERE id = $1`, [
      created.body.id,
    ]);
    await platform.app.get(SandboxEnv).onModuleInit();
    const rows = (await ds.query(`SELECT env::text AS env FROM sandboxes WHERE id = $1`, [
      created.body.id,
    ])) as Array<{ env: string }>;
    expect(rows[0].env).not.toContain('plain-old-value');
    expect(platform.app.get(SandboxEnv).open(JSON.parse(rows[0].env))).toEqual({
      OLD: 'plain-old-value',
    });
  });
});
