import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import {
  AgentProcess,
  sandboxesRunHere,
  enrollmentToken,
  fund,
  startAgentProcess,
} from './support/node-agent-process';

const HEARTBEAT_MS = 300;
/** Sandboxes on a lost node fail only after this; the node itself is lost after 3 heartbeats. */
const LOST_GRACE_MS = 3000;
const canRun = sandboxesRunHere();
const describeIf = canRun ? describe : describe.skip;

/** Every path under `dir` whose name contains `needle`. */
function findNamed(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.name.includes(needle)) out.push(p);
      if (e.isDirectory()) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

describeIf.each(databaseKinds())('node faults with a real agent on %s', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let dev: TestUser;
  let agent: AgentProcess;

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      env: {
        NANOPOD_NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
        NANOPOD_NODE_LOST_GRACE_MS: String(LOST_GRACE_MS),
      },
    });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    dev = await platform.createUser();
    await fund(platform, admin, dev);
    agent = await startAgentProcess(platform, admin);
  }, 120000);

  afterAll(async () => {
    await agent?.dispose();
    await platform?.close();
  });

  it('loses a killed agent within three heartbeat intervals and fails its sandboxes with node_lost after the grace period', async () => {
    const created = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ ttl_seconds: 600 });
    expect(created.body.state).toBe('running');
    const id = created.body.id as string;
    await agent.kill('SIGKILL');
    const killedAt = Date.now();
    let node = { state: 'running' };
    while (Date.now() - killedAt < 10 * HEARTBEAT_MS && node.state !== 'lost') {
      node = (await platform.http().get(`/v1/nodes/${agent.nodeId}`).set(admin.auth)).body;
      await new Promise((r) => setTimeout(r, 20));
    }
    const lostAfter = Date.now() - killedAt;
    expect(node.state).toBe('lost');
    // Three intervals, plus at most one reconcile tick (a quarter interval) and request slack.
    expect(lostAfter).toBeLessThanOrEqual(3 * HEARTBEAT_MS + HEARTBEAT_MS / 4 + 150);
    // Lost, but not yet for the grace period: its sandbox is not given up yet.
    if (Date.now() - killedAt < LOST_GRACE_MS - 500) {
      const early = (await platform.http().get(`/v1/sandboxes/${id}`).set(dev.auth)).body;
      expect(early.state).toBe('running');
    }
    let sb = { state: 'running', reason: null as string | null };
    while (Date.now() - killedAt < LOST_GRACE_MS + 10_000 && sb.state === 'running') {
      sb = (await platform.http().get(`/v1/sandboxes/${id}`).set(dev.auth)).body;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(sb).toMatchObject({ state: 'failed', reason: 'node_lost' });
    // The grace counts from the last heartbeat, which came at most an interval before the kill.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LOST_GRACE_MS - HEARTBEAT_MS);
    // Nothing can be placed on a lost node.
    const none = await platform.http().post('/v1/sandboxes').set(dev.auth).send({});
    expect(none.status).toBe(409);
  }, 60000);

  it('takes a restarted agent back and keeps the files of the sandbox it failed', async () => {
    const failed = (await platform.http().get('/v1/sandboxes').set(dev.auth)).body.data[0];
    expect(failed.state).toBe('failed');
    // The killed agent left the sandbox's files behind.
    expect(findNamed(agent.stateDir, failed.id).length).toBeGreaterThan(0);
    await agent.restart();
    const node = (await platform.http().get(`/v1/nodes/${agent.nodeId}`).set(admin.auth)).body;
    expect(node).toMatchObject({ state: 'running', connected: true });
    // The platform failed that sandbox, but its files stay on the node until its TTL: nothing is
    // deleted that its owner did not delete or that did not expire.
    await new Promise((r) => setTimeout(r, 2000));
    expect(findNamed(agent.stateDir, failed.id).length).toBeGreaterThan(0);
    expect((await platform.http().get(`/v1/sandboxes/${failed.id}`).set(dev.auth)).body.state).toBe(
      'failed',
    );
    // And the node takes work again.
    const fresh = await platform
      .http()
      .post('/v1/sandboxes')
      .set(dev.auth)
      .send({ ttl_seconds: 600 });
    expect(fresh.body.state).toBe('running');
    const run = await platform
      .http()
      .post(`/v1/sandboxes/${fresh.body.id}/exec?wait=true`)
      .set(dev.auth)
      .send({ argv: ['echo', 'back'] });
    expect(run.body).toMatchObject({ stdout: 'back\n', exit_code: 0 });
  }, 120000);

  it('refuses a reused enrollment token and a node credential used for another node', async () => {
    const token = await enrollmentToken(platform, admin);
    const inventory = {
      hostname: 'h',
      cpu_cores: 2,
      memory_mb: 1024,
      disk_gb: 1,
      gpus: [],
      power_watts: null,
      vpn_address: null,
      zone: 'z',
      labels: {},
      kind: 'federated',
      workload_classes: ['latency_tolerant'],
      runtimes: ['bwrap'],
      agent_version: 'test',
    };
    const first = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token, name: 'one', inventory });
    expect(first.status).toBe(201);
    const reused = await platform
      .http()
      .post('/v1/agent/enroll')
      .send({ token, name: 'two', inventory });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('federation.enrollment_token_used');
    const other = await platform
      .http()
      .post(`/v1/agent/nodes/${agent.nodeId}/heartbeat`)
      .set('Authorization', `Bearer ${first.body.credential}`)
      .send({ inventory, sandboxes: [] });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('federation.node_mismatch');
  });
});
