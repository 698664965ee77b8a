import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import {
  AgentProcess,
  sandboxesRunHere,
  fund,
  startAgentProcess,
} from './support/node-agent-process';

const canRun = sandboxesRunHere();
const describeIf = canRun ? describe : describe.skip;

interface NdjsonLine {
  stream?: 'stdout' | 'stderr';
  data?: string;
  exit_code?: number | null;
  error?: { code: string };
}

describeIf.each(databaseKinds())(
  'sandboxes end to end with a real agent and bubblewrap on %s',
  (kind) => {
    let platform: TestPlatform;
    let admin: TestUser;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let agent: AgentProcess;

    beforeAll(async () => {
      platform = await startTestPlatform({
        kind,
        env: { NANOPOD_NODE_HEARTBEAT_MS: '500', NANOPOD_SANDBOX_USAGE_INTERVAL_MS: '1000' },
      });
      admin = await platform.createUser({ roles: ['admin', 'developer'] });
      alice = await platform.createUser();
      bob = await platform.createUser();
      carol = await platform.createUser();
      for (const u of [alice, bob, carol]) await fund(platform, admin, u);
      agent = await startAgentProcess(platform, admin);
    }, 120000);

    const created: Array<{ id: string; user: TestUser }> = [];
    afterEach(async () => {
      // Each test frees what it took: CPU shares on the one test node are few.
      for (const { id, user } of created.splice(0))
        await platform.http().delete(`/v1/sandboxes/${id}`).set(user.auth);
    });

    afterAll(async () => {
      await agent?.dispose();
      await platform?.close();
    });

    async function create(user: TestUser, body: object = {}) {
      const res = await platform
        .http()
        .post('/v1/sandboxes')
        .set(user.auth)
        .send({ ttl_seconds: 600, ...body });
      if (res.status === 201) created.push({ id: res.body.id as string, user });
      return res;
    }

    async function running(user: TestUser): Promise<string> {
      const res = await create(user);
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      expect(res.body.state).toBe('running');
      return res.body.id as string;
    }

    async function execJson(user: TestUser, id: string, body: object) {
      return platform.http().post(`/v1/sandboxes/${id}/exec?wait=true`).set(user.auth).send(body);
    }

    it('uploads a Python file, runs it and downloads what it wrote', async () => {
      const id = await running(alice);
      const script =
        "import json\nopen('result.json','w').write(json.dumps({'answer': 6*7}))\nprint('done')\n";
      const put = await platform
        .http()
        .put(`/v1/sandboxes/${id}/files?path=main.py`)
        .set(alice.auth)
        .set('content-type', 'application/octet-stream')
        .send(Buffer.from(script));
      expect(put.status).toBe(200);
      expect(put.body.bytes).toBe(script.length);
      const run = await execJson(alice, id, { argv: ['python3', 'main.py'] });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ stdout: 'done\n', exit_code: 0 });
      const got = await platform
        .http()
        .get(`/v1/sandboxes/${id}/files?path=result.json`)
        .set(alice.auth)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(got.status).toBe(200);
      expect(JSON.parse((got.body as Buffer).toString())).toEqual({ answer: 42 });
      const list = await platform
        .http()
        .get(`/v1/sandboxes/${id}/files/list?path=.`)
        .set(alice.auth);
      expect(list.body.data.map((e: { path: string }) => e.path)).toEqual(
        expect.arrayContaining(['main.py', 'result.json']),
      );
    });

    it('writes the raw bytes of an upload whatever its Content-Type, and they round-trip', async () => {
      const id = await running(alice);
      const bodies: Record<string, Buffer> = {
        // curl's default for -d / --data-binary
        'application/x-www-form-urlencoded': Buffer.from('a=1&b=two&__proto__=x'),
        'application/json': Buffer.from('{"deep": [[[[1]]]], "a": 1, "a": 2}\n'),
        'text/plain': Buffer.from('plain text\u0000with a NUL\n'),
        'application/octet-stream': Buffer.from([0, 1, 2, 255, 254, 10, 13]),
        'multipart/form-data; boundary=x': Buffer.from('--x\r\nnot really a form\r\n--x--'),
      };
      // A body nested far past the JSON depth limit is just bytes here.
      bodies['application/json; charset=utf-8'] = Buffer.from('['.repeat(5000) + ']'.repeat(5000));
      let n = 0;
      for (const [type, data] of Object.entries(bodies)) {
        const path = `upload-${n++}.bin`;
        const put = await fetch(`${platform.url}/v1/sandboxes/${id}/files?path=${path}`, {
          method: 'PUT',
          headers: { ...alice.auth, 'content-type': type },
          body: new Uint8Array(data),
        });
        expect({ type, status: put.status }).toEqual({ type, status: 200 });
        expect(await put.json()).toMatchObject({ path, bytes: data.length });
        const got = await fetch(`${platform.url}/v1/sandboxes/${id}/files?path=${path}`, {
          headers: alice.auth,
        });
        expect(got.status).toBe(200);
        expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
      }
    });

    it('streams exec output as NDJSON lines ending with the exit code', async () => {
      const id = await running(alice);
      const res = await fetch(`${platform.url}/v1/sandboxes/${id}/exec`, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'echo one; echo two >&2; exit 3' }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as NdjsonLine);
      const out = lines
        .filter((l) => l.stream === 'stdout')
        .map((l) => l.data)
        .join('');
      const err = lines
        .filter((l) => l.stream === 'stderr')
        .map((l) => l.data)
        .join('');
      expect(out).toBe('one\n');
      expect(err).toBe('two\n');
      expect(lines[lines.length - 1]).toMatchObject({ exit_code: 3, signal: null });
    });

    it("answers 404 to another user's sandbox and keeps their work dirs apart", async () => {
      const a = await running(alice);
      await execJson(alice, a, { command: 'echo alice-secret > secret.txt' });
      expect((await platform.http().get(`/v1/sandboxes/${a}`).set(bob.auth)).status).toBe(404);
      expect((await execJson(bob, a, { argv: ['true'] })).status).toBe(404);
      expect(
        (await platform.http().get(`/v1/sandboxes/${a}/files?path=secret.txt`).set(bob.auth))
          .status,
      ).toBe(404);
      expect((await platform.http().delete(`/v1/sandboxes/${a}`).set(bob.auth)).status).toBe(404);
      const mine = await platform.http().get('/v1/sandboxes').set(bob.auth);
      expect(mine.body.data.map((s: { id: string }) => s.id)).not.toContain(a);
      // From inside Bob's sandbox, Alice's file is out of reach, by any path.
      const b = await running(bob);
      const probe = await execJson(bob, b, {
        command: `cat ${agent.stateDir}/*/${a}/*/secret.txt ${agent.stateDir}/*/*/secret.txt ../*/secret.txt /*/${a}/secret.txt 2>&1; ls ${agent.stateDir} 2>&1; true`,
      });
      expect(probe.body.stdout).not.toContain('alice-secret');
      // Admins see everyone's with ?all=true.
      const all = await platform.http().get('/v1/sandboxes?all=true').set(admin.auth);
      expect(all.body.data.map((s: { id: string }) => s.id)).toEqual(
        expect.arrayContaining([a, b]),
      );
    });

    it('answers 409 no_capacity with what was asked and what exists when nothing fits', async () => {
      const res = await create(alice, { resources: { memory_mb: 4 * 1024 * 1024 } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('sandbox.no_capacity');
      expect(res.body.error.details.requested.memory_mb).toBe(4 * 1024 * 1024);
      expect(res.body.error.details.available.length).toBeGreaterThan(0);
      // The message says why: full for this much memory (waiting may help) ...
      expect(res.body.error.message).toMatch(/Every node is full for .* MB now/);
      const gpus = await create(alice, { resources: { gpus: 8, gpu_type: 'H100' } });
      expect(gpus.status).toBe(409);
      // ... or no node of that kind at all (waiting will not).
      expect(gpus.body.error.message).toBe('No node has a H100 GPU');
    });

    it('denies latency-sensitive work on a federated-only network with the policy reasons', async () => {
      const res = await create(alice, { workload_class: 'latency_sensitive' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('sandbox.policy_denied');
      expect(res.body.error.details.reasons).toContain('latency_sensitive_on_federated');
    });

    it('stops, keeps files downloadable while stopped, and deletes', async () => {
      const id = await running(alice);
      await execJson(alice, id, { command: 'echo kept > kept.txt' });
      const stopped = await platform.http().post(`/v1/sandboxes/${id}/stop`).set(alice.auth);
      expect(stopped.body).toMatchObject({ state: 'stopped', reason: 'requested' });
      // Leaving running recorded its sandbox seconds with the state change.
      const usage = await platform.http().get('/v1/billing/usage?group_by=kind').set(alice.auth);
      const seconds = (usage.body.data as Array<{ metric: string; quantity: number }>)
        .filter((r) => r.metric === 'sandbox_seconds')
        .reduce((a, r) => a + Number(r.quantity), 0);
      expect(seconds).toBeGreaterThan(0);
      const got = await platform
        .http()
        .get(`/v1/sandboxes/${id}/files?path=kept.txt`)
        .set(alice.auth);
      expect(got.status).toBe(200);
      expect(Buffer.from(got.body as Buffer).toString()).toBe('kept\n');
      const exec = await execJson(alice, id, { argv: ['true'] });
      expect(exec.status).toBe(409);
      expect(exec.body.error.code).toBe('sandbox.not_running');
      expect((await platform.http().delete(`/v1/sandboxes/${id}`).set(alice.auth)).status).toBe(
        200,
      );
      expect((await platform.http().get(`/v1/sandboxes/${id}`).set(alice.auth)).status).toBe(404);
    });

    // Three sandboxes whose clocks run at once (idle timeout and TTL have floors of 5 s and 10 s):
    // the tests wait for them in turn, about as long as the longest one alone.
    describe('over time', () => {
      let idleId: string;
      let busyId: string;
      let ttlId: string;
      let long: Promise<{ body: NdjsonLine & { stdout?: string } }>;
      const made = async (body: object) => {
        const res = await platform
          .http()
          .post('/v1/sandboxes')
          .set(alice.auth)
          .send({ ttl_seconds: 600, ...body });
        expect(res.body).toMatchObject({ state: 'running' });
        return res.body.id as string;
      };
      const stateOf = async (id: string) =>
        (await platform.http().get(`/v1/sandboxes/${id}`).set(alice.auth)).body;

      beforeAll(async () => {
        ttlId = await made({ ttl_seconds: 10 });
        idleId = await made({ idle_timeout_seconds: 5 });
        busyId = await made({ idle_timeout_seconds: 5 });
        await execJson(alice, idleId, { command: 'echo still-here > f.txt' });
        long = execJson(alice, busyId, { command: 'sleep 8; echo done' }).then((r) => r);
      });

      afterAll(async () => {
        await long?.catch(() => undefined);
        for (const id of [idleId, busyId, ttlId].filter(Boolean))
          await platform.http().delete(`/v1/sandboxes/${id}`).set(alice.auth);
      });

      it('stops an idle sandbox by itself and starts it again on the next exec', async () => {
        const id = idleId;
        const deadline = Date.now() + 15000;
        let state = 'running';
        while (Date.now() < deadline && state === 'running') {
          await new Promise((r) => setTimeout(r, 250));
          state = (await stateOf(id)).state;
        }
        const idle = await stateOf(id);
        expect(idle).toMatchObject({ state: 'stopped', reason: 'idle' });
        const again = await execJson(alice, id, { argv: ['cat', 'f.txt'] });
        expect(again.body).toMatchObject({ stdout: 'still-here\n', exit_code: 0 });
        expect((await stateOf(id)).state).toBe('running');
      }, 30000);

      it('does not stop a sandbox for idleness while a long command runs in it', async () => {
        const run = await long;
        expect(run.body).toMatchObject({ stdout: 'done\n', exit_code: 0 });
        expect((await stateOf(busyId)).state).toBe('running');
      }, 30000);

      it('expires a sandbox at its TTL and deletes its files on the node', async () => {
        const id = ttlId;
        const deadline = Date.now() + 20000;
        let body = await stateOf(id);
        while (Date.now() < deadline && body.state !== 'expired') {
          await new Promise((r) => setTimeout(r, 250));
          body = await stateOf(id);
        }
        expect(body).toMatchObject({ state: 'expired', reason: 'ttl' });
        expect(
          (await platform.http().get(`/v1/sandboxes/${id}/files/list`).set(alice.auth)).status,
        ).toBe(409);
      }, 30000);
    });

    it('runs operator commands on matching nodes and reports per-node exit codes', async () => {
      const res = await platform
        .http()
        .post('/v1/nodes/exec')
        .set(admin.auth)
        .send({
          selector: { zone: 'test-zone' },
          argv: ['sh', '-c', 'echo hi; exit 2'],
          timeout_seconds: 10,
        });
      expect(res.status).toBe(200);
      const mine = res.body.results.find((r: { node_id: string }) => r.node_id === agent.nodeId);
      expect(mine).toMatchObject({ connected: true, stdout: 'hi\n', exit_code: 2 });
    });

    it('meters a running sandbox while it runs, not only when it stops', async () => {
      const id = await running(carol);
      const metered = async () => {
        const usage = await platform.http().get('/v1/billing/usage?group_by=kind').set(carol.auth);
        return (usage.body.data as Array<{ metric: string; quantity: number }>)
          .filter((r) => r.metric === 'sandbox_seconds')
          .reduce((a, r) => a + Number(r.quantity), 0);
      };
      // Metered every second (NANOPOD_SANDBOX_USAGE_INTERVAL_MS): as soon as it shows, while it
      // still runs, rather than after a fixed wait.
      const deadline = Date.now() + 10000;
      let seconds = await metered();
      while (seconds < 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        seconds = await metered();
      }
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect((await platform.http().get(`/v1/sandboxes/${id}`).set(carol.auth)).body.state).toBe(
        'running',
      );
    });

    it('drains a node: no new work, drained once its work ends, back in service when uncordoned', async () => {
      const id = await running(alice);
      const drain = await platform.http().post(`/v1/nodes/${agent.nodeId}/drain`).set(admin.auth);
      expect(drain.body).toMatchObject({ state: 'draining', cordoned: true });
      expect((await create(alice)).status).toBe(409);
      // Running work is left to finish.
      expect((await execJson(alice, id, { argv: ['true'] })).body.exit_code).toBe(0);
      await platform.http().post(`/v1/sandboxes/${id}/stop`).set(alice.auth);
      const deadline = Date.now() + 5000;
      let state = 'draining';
      while (Date.now() < deadline && state !== 'drained') {
        await new Promise((r) => setTimeout(r, 100));
        state = (await platform.http().get(`/v1/nodes/${agent.nodeId}`).set(admin.auth)).body.state;
      }
      expect(state).toBe('drained');
      const back = await platform.http().post(`/v1/nodes/${agent.nodeId}/uncordon`).set(admin.auth);
      expect(back.body).toMatchObject({ state: 'running', cordoned: false });
      expect((await create(alice)).status).toBe(201);
    });
  },
);
