import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage, PlatformMessage, SandboxSpec } from '@nanopod/federation';
import { createAgentLogger } from '../../src/logger';
import { BwrapDriver, type BwrapDriverOptions } from '../../src/runtime/bwrap-driver';
import { INNER_STUB } from '../../src/runtime/sandbox-launcher';
import { processesOfUid } from '../../src/runtime/process-tree';
import type { RuntimeDriver } from '../../src/runtime/runtime-driver';
import { SandboxManager } from '../../src/sandboxes/sandbox-manager';
import { SandboxStore } from '../../src/sandboxes/sandbox-store';

export const BWRAP = '/usr/bin/bwrap';

let counter = 0;
export function sandboxSpec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  counter++;
  return {
    sandbox_id: `sbx_test${process.pid}_${counter}`,
    owner_id: 'usr_test',
    runtime: 'bwrap',
    cpu: 1,
    memory_mb: 512,
    gpus: 0,
    gpu_type: null,
    network: 'none',
    env: {},
    limits: { memory_mb: 512, pids: 64, cpu_seconds: 30, wall_seconds: 30, disk_mb: 64 },
    ...overrides,
  };
}

export interface ExecOutcome {
  stdout: string;
  stderr: string;
  exit: Extract<AgentMessage, { type: 'exec.exit' }>;
  frames: Array<Extract<AgentMessage, { type: 'exec.output' }>>;
}

/** A real SandboxManager with real drivers; records what it sends, awaits replies by id. */
export class ManagerHarness {
  readonly stateDir: string;
  readonly sent: AgentMessage[] = [];
  readonly manager: SandboxManager;
  private waiters: Array<{
    match: (m: AgentMessage) => boolean;
    resolve: (m: AgentMessage) => void;
  }> = [];
  private seq = 0;

  /** The bwrap driver, when the harness made one (its containment, for the tests). */
  readonly bwrap: BwrapDriver | null;

  constructor(
    drivers?: (stateDir: string) => Map<string, RuntimeDriver>,
    stateDir?: string,
    bwrapOptions: Partial<BwrapDriverOptions> = {},
  ) {
    this.stateDir = stateDir ?? mkdtempSync(join(tmpdir(), 'nanopod-agent-test-'));
    const uidBase = 300_000 + (process.pid % 1000) * 64;
    const map =
      drivers?.(this.stateDir) ??
      new Map<string, RuntimeDriver>([
        [
          'bwrap',
          new BwrapDriver({
            bwrap_bin: BWRAP,
            state_dir: this.stateDir,
            // As an agent runs by default: a warm sandbox kept of the last shapes started.
            warm_pool: 1,
            warm_uids: { base: uidBase, size: 64 },
            ...bwrapOptions,
          }),
        ],
      ]);
    const bwrap = map.get('bwrap');
    this.bwrap = bwrap instanceof BwrapDriver ? bwrap : null;
    this.manager = new SandboxManager({
      store: new SandboxStore(this.stateDir),
      drivers: map as never,
      logger: createAgentLogger('silent'),
      send: (m) => this.onSend(m),
      sandbox_uid_base: uidBase,
      max_upload_mb: 8,
      exec_output_limit_mb: 4,
      node_exec_enabled: true,
    });
  }

  private onSend(message: AgentMessage): void {
    this.sent.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(message)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }

  nextId(): string {
    return `req_${++this.seq}`;
  }

  waitFor(match: (m: AgentMessage) => boolean, timeoutMs = 30_000): Promise<AgentMessage> {
    const found = this.sent.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error('timed out waiting for an agent message')),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolvePromise(m);
        },
      });
    });
  }

  /** Sends a request and resolves with the first reply carrying its id (not output frames). */
  async request(message: PlatformMessage): Promise<AgentMessage> {
    const id = (message as { id: string }).id;
    const reply = this.waitFor((m) => 'id' in m && m.id === id && m.type !== 'exec.output');
    await this.manager.handle(message);
    return reply;
  }

  async start(spec: SandboxSpec): Promise<SandboxSpec> {
    const reply = await this.request({ type: 'sandbox.start', id: this.nextId(), spec });
    if (reply.type !== 'sandbox.state' || reply.state !== 'running') {
      throw new Error(`sandbox did not start: ${JSON.stringify(reply)}`);
    }
    return spec;
  }

  async exec(
    sandboxId: string,
    argv: string[],
    extra: Partial<Extract<PlatformMessage, { type: 'exec' }>> = {},
  ): Promise<ExecOutcome> {
    const id = this.nextId();
    const reply = await this.request({ type: 'exec', id, sandbox_id: sandboxId, argv, ...extra });
    if (reply.type !== 'exec.exit') throw new Error(`exec failed: ${JSON.stringify(reply)}`);
    const frames = this.sent.filter(
      (m): m is Extract<AgentMessage, { type: 'exec.output' }> =>
        m.type === 'exec.output' && m.id === id,
    );
    const text = (stream: string) =>
      Buffer.concat(
        frames.filter((f) => f.stream === stream).map((f) => Buffer.from(f.data_base64, 'base64')),
      ).toString();
    return { stdout: text('stdout'), stderr: text('stderr'), exit: reply, frames };
  }

  async close(): Promise<void> {
    await this.manager.shutdown();
    await this.bwrap?.close();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

export const RUNNING_AS_ROOT = process.getuid?.() === 0;

/**
 * Live processes a sandbox still has, besides its idle slot (the next exec's chain, waiting
 * in INNER_STUB). As root every sandbox has its own uid, so that is exact; otherwise sandboxes
 * share the test's uid and the command line marker picks them.
 */
export function sandboxProcesses(uid: number, marker: string): number[] {
  if (RUNNING_AS_ROOT) {
    return processesOfUid(uid)
      .map((p) => p.pid)
      .filter((pid) => {
        try {
          return !readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(INNER_STUB);
        } catch {
          return false;
        }
      });
  }
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ');
      const state = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (cmdline.includes(marker) && !/\) Z /.test(state)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}
