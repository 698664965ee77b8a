import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { RunningPlatform, startPlatform } from '../../apps/platform/src/bootstrap';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import {
  AgentProcess,
  fund,
  sandboxesRunHere,
  startAgentProcess,
} from './support/node-agent-process';

/**
 * Two platform replicas on one PostgreSQL database, the agent connected to A only: every agent
 * command asked of B is routed to A over LISTEN/NOTIFY, exec output streams through, large
 * files pass NOTIFY's size cap, and revocations and terminations reach B at once.
 */
const canRun = sandboxesRunHere() && !!process.env.DATABASE_URL;
const describeIf = canRun ? describe : describe.skip;
if (!canRun) {
  process.stdout.write(
    'replicas suite skipped: needs DATABASE_URL (PostgreSQL) and bubblewrap sandboxes\n',
  );
}

describeIf('two platform replicas, one PostgreSQL, the agent on A', () => {
  let a: TestPlatform;
  let b: RunningPlatform;
  let admin: TestUser;
  let alice: TestUser;
  let agent: AgentProcess;
  const env = { NANOPOD_NODE_HEARTBEAT_MS: '500', NANOPOD_SANDBOX_USAGE_INTERVAL_MS: '1000' };
  const onB = () => request(b.app.getHttpServer());

  beforeAll(async () => {
    a = await startTestPlatform({ kind: 'postgres', env });
    b = await startPlatform({
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NANOPOD_ENV: 'test',
        PORT: '0',
        NANOPOD_LOCAL_NODE_AGENT: 'false',
        ...a.db.env,
        ...env,
      },
    });
    admin = await a.createUser({ roles: ['admin', 'developer'] });
    alice = await a.createUser();
    await fund(a, admin, alice);
    agent = await startAgentProcess(a, admin);
    // B learns from A's announcement that A holds the agent.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await onB().get(`/v1/nodes/${agent.nodeId}`).set(admin.auth);
      if (res.body.connected === true) break;
      if (Date.now() > deadline)
        throw new Error(`B never saw the node: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 180_000);

  afterAll(async () => {
    await agent?.dispose();
    await b?.close();
    await a?.close();
  });

  it('creates, execs (waited and streamed), moves files and stops a sandbox through B', async () => {
    const created = await onB().post('/v1/sandboxes').set(alice.auth).send({ ttl_seconds: 600 });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('running');
    const id = created.body.id as string;

    const run = await onB()
      .post(`/v1/sandboxes/${id}/exec?wait=true`)
      .set(alice.auth)
      .send({ command: 'echo hello from $(hostname >/dev/null; echo the node)' });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ stdout: 'hello from the node\n', exit_code: 0 });

    const streamed = await fetch(`${b.url}/v1/sandboxes/${id}/exec`, {
      method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'for i in 1 2 3; do echo line $i; sleep 0.2; done; exit 4' }),
    });
    expect(streamed.status).toBe(200);
    const lines = (await streamed.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream?: string; data?: string; exit_code?: number });
    expect(
      lines
        .filter((l) => l.stream === 'stdout')
        .map((l) => l.data)
        .join(''),
    ).toBe('line 1\nline 2\nline 3\n');
    expect(lines[lines.length - 1]).toMatchObject({ exit_code: 4 });

    // 200 kB: far past NOTIFY's 8000-byte payload, both ways.
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
    const put = await fetch(`${b.url}/v1/sandboxes/${id}/files?path=big.bin`, {
      method: 'PUT',
      headers: { ...alice.auth, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(data),
    });
    expect(put.status).toBe(200);
    const got = await fetch(`${b.url}/v1/sandboxes/${id}/files?path=big.bin`, {
      headers: alice.auth,
    });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
    const list = await onB().get(`/v1/sandboxes/${id}/files/list?path=.`).set(alice.auth);
    expect(list.body.data.map((e: { path: string }) => e.path)).toContain('big.bin');

    const stopped = await onB().post(`/v1/sandboxes/${id}/stop`).set(alice.auth).send({});
    expect(stopped.status).toBeLessThan(300);
    expect(stopped.body.state).toBe('stopped');
    const deleted = await onB().delete(`/v1/sandboxes/${id}`).set(alice.auth);
    expect(deleted.status).toBeLessThan(300);
  }, 120_000);

  it('runs an operator command on the node through B', async () => {
    const res = await onB()
      .post('/v1/nodes/exec')
      .set(admin.auth)
      .send({ selector: { zone: 'test-zone' }, argv: ['sh', '-c', 'echo hi; exit 2'] });
    expect(res.status).toBe(200);
    const mine = res.body.results.find((r: { node_id: string }) => r.node_id === agent.nodeId);
    expect(mine).toMatchObject({ connected: true, exit_code: 2, stdout: 'hi\n' });
  });

  it('refuses on B, within a second, an API key revoked on A', async () => {
    const key = await a
      .http()
      .post('/v1/api-keys')
      .set(alice.auth)
      .send({ name: 'short-lived', scopes: ['read'] });
    expect(key.status).toBe(201);
    const auth = { Authorization: `Bearer ${key.body.secret}` };
    // B has it cached now.
    expect((await onB().get('/v1/me').set(auth)).status).toBe(200);
    await a.http().delete(`/v1/api-keys/${key.body.id}`).set(alice.auth).expect(200);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 5000) {
      status = (await onB().get('/v1/me').set(auth)).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('answers 503 federation.node_not_connected through B once no replica holds the agent', async () => {
    const created = await onB().post('/v1/sandboxes').set(alice.auth).send({ ttl_seconds: 600 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const list = () => onB().get(`/v1/sandboxes/${id}/files/list?path=.`).set(alice.auth);
    expect((await list()).status).toBe(200);
    await agent.kill('SIGKILL');
    // A sees the socket close and says so; B then has nobody to route to.
    const deadline = Date.now() + 20_000;
    let res = await list();
    while (res.status === 200 && Date.now() < deadline) res = await list();
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      code: 'federation.node_not_connected',
      details: { node_id: agent.nodeId },
    });
    await agent.restart();
  }, 90_000);

  it("refuses on B a terminated node's credential once A terminated it", async () => {
    const { credential } = JSON.parse(
      readFileSync(path.join(agent.stateDir, 'credential.json'), 'utf8'),
    ) as { credential: string };
    const probe = () =>
      onB()
        .post(`/v1/agent/nodes/${agent.nodeId}/heartbeat`)
        .set('Authorization', `Bearer ${credential}`)
        .send({});
    // Accepted (then refused for its empty body): B has the credential cached.
    expect((await probe()).status).toBe(400);
    await a.http().delete(`/v1/nodes/${agent.nodeId}`).set(admin.auth).expect(200);
    const at = Date.now();
    let status = 400;
    while (status === 400 && Date.now() - at < 5000) status = (await probe()).status;
    expect(status).toBe(401);
    expect(Date.now() - at).toBeLessThan(1000);
  });
});
