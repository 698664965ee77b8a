import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { containmentHere } from '../../../apps/node-agent/test/support/containment-support';
import type { TestPlatform, TestUser } from '../../support/test-platform';
import { builtEntry } from '../../support/test-build';

/** What the helpers need of a platform: an in-process test platform or a platform child. */
type PlatformLike = Pick<TestPlatform, 'http' | 'url'>;
type AdminLike = Pick<TestUser, 'auth'>;

const ROOT = path.resolve(__dirname, '../../..');
/** The agent the global setup built (.test-build/): it starts without compiling TypeScript. */
const NODE_ARGS = [builtEntry('apps/node-agent/src/main.ts')];

/** Whether bubblewrap can make a sandbox here (it needs unprivileged user namespaces or root). */
function bwrapUsable(): boolean {
  const r = spawnSync(
    'bwrap',
    ['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'],
    {
      stdio: 'ignore',
      timeout: 5000,
    },
  );
  return r.status === 0;
}

/**
 * Whether sandbox tests can run here (bubblewrap works); when not, says so once per file, so a
 * skipped suite never passes silently.
 */
export function sandboxesRunHere(): boolean {
  const usable = bwrapUsable();
  if (!usable) console.warn('skipped: bubblewrap cannot create sandboxes on this machine');
  // Says which containment checks this node would skip (no cgroups, no pasta, ...).
  else containmentHere();
  return usable;
}

export interface AgentProcess {
  nodeId: string;
  stateDir: string;
  proc: ChildProcess;
  /** Everything the agent wrote, for failure messages. */
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts `run` again on the same state dir (same node, same credential). */
  restart(): Promise<void>;
  /** Stops the agent and removes its state dir. */
  dispose(): Promise<void>;
}

/** Creates (once per admin) a partner for test agents and an enrollment token for it. */
export async function enrollmentToken(
  platform: PlatformLike,
  admin: AdminLike,
  zone = 'test-zone',
): Promise<string> {
  const name = `agents-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const partner = await platform.http().post('/v1/partners').set(admin.auth).send({ name });
  if (partner.status !== 201)
    throw new Error(`partner: ${partner.status} ${JSON.stringify(partner.body)}`);
  const tok = await platform
    .http()
    .post(`/v1/partners/${partner.body.id}/enrollment-tokens`)
    .set(admin.auth)
    // Agents in tests run on the platform's machine: their forwards are reached on loopback.
    .send({ zone, address: '127.0.0.1' });
  if (tok.status !== 201) throw new Error(`token: ${tok.status} ${JSON.stringify(tok.body)}`);
  return tok.body.token as string;
}

/**
 * A real node agent as a child process: `main.ts enroll` over HTTP, then `main.ts run`;
 * resolves once the platform lists the node as connected.
 */
export async function startAgentProcess(
  platform: PlatformLike,
  admin: AdminLike,
  opts: { name?: string; zone?: string; labels?: string; extraEnv?: Record<string, string> } = {},
): Promise<AgentProcess> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'nanopod-agent-'));
  const token = await enrollmentToken(platform, admin, opts.zone);
  const env = { ...process.env, NANOPOD_AGENT_LOG_LEVEL: 'warn', ...opts.extraEnv };
  const name = opts.name ?? `agent-${Math.random().toString(36).slice(2, 8)}`;
  // Asynchronously: the platform under test serves the enrollment from this same process.
  const enroll = await runToEnd(
    [
      ...NODE_ARGS,
      'enroll',
      '--url',
      platform.url,
      '--token',
      token,
      '--state-dir',
      stateDir,
      '--name',
      name,
      ...(opts.labels ? ['--labels', opts.labels] : []),
    ],
    env,
  );
  if (enroll.status !== 0) {
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`agent enroll failed: ${enroll.stderr}${enroll.stdout}`);
  }
  const nodeId = /enrolled as node ([0-9a-f-]{36})/.exec(enroll.stdout)?.[1];
  if (!nodeId) throw new Error(`no node id in: ${enroll.stdout}`);

  let output = '';
  let proc!: ChildProcess;
  const run = async () => {
    proc = spawn(process.execPath, [...NODE_ARGS, 'run', '--state-dir', stateDir], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitConnected(platform, admin, nodeId, () => output);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };
  await run();
  return {
    nodeId,
    stateDir,
    get proc() {
      return proc;
    },
    log: () => output,
    kill,
    restart: run,
    async dispose() {
      await kill('SIGTERM');
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function waitConnected(
  platform: PlatformLike,
  admin: AdminLike,
  nodeId: string,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const res = await platform.http().get(`/v1/nodes/${nodeId}`).set(admin.auth);
    if (res.status === 200 && res.body.connected && res.body.state === 'running') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`agent for ${nodeId} never connected:\n${log()}`);
}

function runToEnd(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Credits for a test user, so full-price sandboxes pass the subsidy policy's balance check. */
export async function fund(
  platform: PlatformLike,
  admin: AdminLike,
  user: Pick<TestUser, 'id'>,
  amount = 1_000_000,
): Promise<void> {
  const res = await platform
    .http()
    .post('/v1/billing/admin/top-ups')
    .set(admin.auth)
    .send({ user_id: user.id, amount, idempotency_key: `test-fund-${user.id}` });
  if (res.status !== 201) throw new Error(`top-up: ${res.status} ${JSON.stringify(res.body)}`);
}
