import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentMessage } from '@nanopod/federation';
import { FakePlatform } from './support/fake-platform';
import { BWRAP, sandboxProcesses, sandboxSpec } from './support/manager-harness';
import { containmentHere } from './support/containment-support';
import { builtEntry } from '../../../test/support/test-build';

const ROOT = resolve(__dirname, '../../..');
const haveBwrap = existsSync(BWRAP);
if (!haveBwrap)
  console.log(`bubblewrap not found at ${BWRAP}: sandbox parts of the agent program tests skipped`);

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function agent(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [builtEntry('apps/node-agent/src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the node agent program against a platform speaking the agent protocol', () => {
  let platform: FakePlatform;
  let stateDir: string;
  const running: Run[] = [];

  beforeAll(async () => {
    platform = await new FakePlatform().start();
    stateDir = mkdtempSync(join(tmpdir(), 'nanopod-agent-program-'));
  });

  afterAll(async () => {
    for (const run of running) run.child.kill('SIGKILL');
    await platform.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('enrolls with a single-use token and keeps the credential in a 0600 file, never in its logs', async () => {
    const token = platform.issueToken();
    const run = agent([
      'enroll',
      '--url',
      platform.url,
      '--token',
      token,
      '--name',
      'pod-1',
      '--state-dir',
      stateDir,
      '--zone',
      'eu-test',
    ]);
    expect(await run.exited).toBe(0);
    const file = join(stateDir, 'credential.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      node_id: string;
      credential: string;
      url: string;
    };
    expect(stored.credential).toMatch(/^npn_/);
    expect(stored.url).toBe(platform.url);
    expect(platform.nodes.get(stored.node_id)?.name).toBe('pod-1');
    expect(run.output()).toContain(stored.node_id);
    expect(run.output()).not.toContain(stored.credential);
    expect(run.output()).not.toContain(token);
  });

  it("refuses a reused enrollment token with the platform's error and a non-zero exit", async () => {
    const token = platform.issueToken();
    const other = mkdtempSync(join(tmpdir(), 'nanopod-agent-reuse-'));
    expect(
      await agent(['enroll', '--url', platform.url, '--token', token, '--state-dir', other]).exited,
    ).toBe(0);
    const again = agent([
      'enroll',
      '--url',
      platform.url,
      '--token',
      token,
      '--state-dir',
      join(other, 'second'),
    ]);
    expect(await again.exited).not.toBe(0);
    expect(again.output()).toContain('federation.token_invalid');
    expect(existsSync(join(other, 'second', 'credential.json'))).toBe(false);
    rmSync(other, { recursive: true, force: true });
  });

  it('heartbeats its inventory, says hello first on the channel and logs "connected"', async () => {
    const run = agent(['run', '--state-dir', stateDir, '--labels', 'rack=r1,owner=test'], {
      NANOPOD_AGENT_POWER_WATTS: '1440',
      NANOPOD_AGENT_ZONE: 'eu-test',
    });
    running.push(run);
    await until(() => run.output().includes('"msg":"connected"'), 20_000, 'the connected line');
    const first = platform.frames[0];
    expect(first.type).toBe('hello');
    await until(() => platform.heartbeats.length > 0, 10_000, 'a heartbeat');
    const inventory = platform.heartbeats[0].body.inventory;
    expect(inventory).toMatchObject({
      zone: 'eu-test',
      kind: 'federated',
      workload_classes: ['latency_tolerant'],
      power_watts: 1440,
      labels: { rack: 'r1', owner: 'test' },
    });
    expect(inventory.cpu_cores).toBeGreaterThan(0);
    expect(inventory.memory_mb).toBeGreaterThan(0);
    if (haveBwrap) expect(inventory.runtimes).toContain('bwrap');
    if (haveBwrap) {
      // What it can enforce, probed on this node: the same in the inventory and in hello.
      const containment = containmentHere();
      expect(inventory.containment).toEqual(containment);
      expect(first).toMatchObject({ type: 'hello', containment });
    }
    // The platform answered with a 200 ms interval: heartbeats follow it.
    const count = platform.heartbeats.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(platform.heartbeats.length - count).toBeGreaterThanOrEqual(3);
  });

  (haveBwrap ? it : it.skip)(
    'runs a sandbox command sent over the channel and streams its output back',
    async () => {
      const spec = sandboxSpec({ sandbox_id: 'sbx_program_1' });
      platform.send({ type: 'sandbox.start', id: 'start-1', spec });
      expect(await platform.waitFor((m) => 'id' in m && m.id === 'start-1')).toMatchObject({
        type: 'sandbox.state',
        state: 'running',
      });
      platform.send({
        type: 'exec',
        id: 'exec-1',
        sandbox_id: spec.sandbox_id,
        argv: ['sh', '-c', 'echo 42'],
      });
      expect(
        await platform.waitFor((m) => m.type === 'exec.exit' && m.id === 'exec-1'),
      ).toMatchObject({ exit_code: 0 });
      const output = platform.frames.find(
        (m) => m.type === 'exec.output' && m.id === 'exec-1',
      ) as Extract<AgentMessage, { type: 'exec.output' }>;
      expect(Buffer.from(output.data_base64, 'base64').toString()).toBe('42\n');
    },
  );

  it('reconnects after the platform drops the socket and says hello again', async () => {
    const before = platform.frames.length;
    const connections = platform.connections.length;
    platform.dropConnections();
    const hello = await platform.waitFor((m) => m.type === 'hello', 10_000, before);
    expect(platform.connections.length).toBe(connections + 1);
    if (haveBwrap) {
      expect((hello as Extract<AgentMessage, { type: 'hello' }>).sandboxes).toContainEqual({
        sandbox_id: 'sbx_program_1',
        state: 'running',
      });
    }
  });

  (haveBwrap ? it : it.skip)(
    'after being killed, restarts reporting its sandboxes stopped with nothing left running',
    async () => {
      const run = running[running.length - 1];
      platform.send({
        type: 'exec',
        id: 'sleeper',
        sandbox_id: 'sbx_program_1',
        argv: ['sleep', '120.1'],
      });
      const uid = statSync(join(stateDir, 'sandboxes', 'sbx_program_1', 'work')).uid;
      await until(() => sandboxProcesses(uid, 'sleep 120.1').length > 0, 5000, 'the sleeper');
      run.child.kill('SIGKILL');
      await run.exited;
      // --die-with-parent: the sandbox's processes go with the agent.
      await until(
        () => sandboxProcesses(uid, 'sleep 120.1').length === 0,
        5000,
        'the sleeper to die with the agent',
      );

      const before = platform.frames.length;
      const again = agent(['run', '--state-dir', stateDir], { NANOPOD_AGENT_ZONE: 'eu-test' });
      running.push(again);
      const hello = (await platform.waitFor((m) => m.type === 'hello', 20_000, before)) as Extract<
        AgentMessage,
        { type: 'hello' }
      >;
      expect(hello.sandboxes).toContainEqual({ sandbox_id: 'sbx_program_1', state: 'stopped' });
    },
  );

  (haveBwrap ? it : it.skip)(
    'on SIGTERM kills every sandbox process and exits cleanly',
    async () => {
      const run = running[running.length - 1];
      platform.send({
        type: 'sandbox.start',
        id: 'start-2',
        spec: sandboxSpec({ sandbox_id: 'sbx_program_2' }),
      });
      await platform.waitFor((m) => 'id' in m && m.id === 'start-2');
      platform.send({
        type: 'exec',
        id: 'sleeper-2',
        sandbox_id: 'sbx_program_2',
        argv: ['sleep', '120.2'],
      });
      const uid = statSync(join(stateDir, 'sandboxes', 'sbx_program_2', 'work')).uid;
      await until(() => sandboxProcesses(uid, 'sleep 120.2').length > 0, 5000, 'the sleeper');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(sandboxProcesses(uid, 'sleep 120.2')).toHaveLength(0);
      const record = JSON.parse(
        readFileSync(join(stateDir, 'sandboxes', 'sbx_program_2', 'sandbox.json'), 'utf8'),
      ) as { state: string };
      expect(record.state).toBe('stopped');
    },
  );

  it('refuses to run before enrollment with a clear message', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nanopod-agent-empty-'));
    const run = agent(['run', '--state-dir', empty]);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('agent.not_enrolled');
    rmSync(empty, { recursive: true, force: true });
  });
});
