import type {
  AgentMessage,
  Heartbeat,
  PlatformMessage,
  RuntimeName,
  SandboxSpec,
} from '@nanopod/federation';
import type { AgentLogger } from '../logger';
import { runProcess } from '../runtime/process-runner';
import { killUidProcesses } from '../runtime/process-tree';
import {
  AgentOperationError,
  type ExecHandle,
  type RuntimeDriver,
  type SandboxRecord,
} from '../runtime/runtime-driver';
import { sandboxRelativePath } from './sandbox-paths';
import type { SandboxStore } from './sandbox-store';
import { UsageSampler } from './usage-sampler';

type MessageOf<T extends PlatformMessage['type']> = Extract<PlatformMessage, { type: T }>;

export interface SandboxManagerOptions {
  store: SandboxStore;
  drivers: Map<RuntimeName, RuntimeDriver>;
  logger: AgentLogger;
  send: (message: AgentMessage) => void;
  sandbox_uid_base: number;
  max_upload_mb: number;
  exec_output_limit_mb: number;
  node_exec_enabled: boolean;
}

/**
 * Runs what the platform asks for on this node: one handler per PlatformMessage, each
 * answering with the request's id. Holds the sandboxes (persisted through the store) and the
 * running commands, and samples usage every second.
 */
export class SandboxManager {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly execs = new Map<string, ExecHandle>();
  /** Sandboxes whose stop is in progress: an exec arriving meanwhile is refused. */
  private readonly stopping = new Set<string>();
  /** The start, stop or delete of each sandbox that runs now; the next one waits for it. */
  private readonly lifecycle = new Map<string, Promise<void>>();
  private readonly sampler: UsageSampler;
  private readonly log: AgentLogger;
  /** One unprivileged uid per sandbox; off only when the state dir cannot be reached by one. */
  private perSandboxUid = true;

  constructor(private readonly options: SandboxManagerOptions) {
    this.log = options.logger.child({ context: 'SandboxManager' });
    this.sampler = new UsageSampler(
      () => [...this.sandboxes.values()].filter((s) => s.state === 'running'),
      (sandbox) => this.pidsOf(sandbox),
      (samples) => options.send({ type: 'usage', samples }),
    );
  }

  /**
   * After an agent restart: every sandbox on disk is reported stopped (its processes died with
   * the agent, its files stay), and any process still running under a sandbox's uid is killed.
   */
  async recover(): Promise<void> {
    await this.options.store.init();
    if (process.getuid?.() === 0 && !this.options.store.traversableByOthers()) {
      this.perSandboxUid = false;
      this.log.error(
        { sandboxes: this.options.store.root },
        'a parent of the state dir is not searchable by other users (chmod o+x it, or pick a state dir under /var/lib): ' +
          'sandboxes run without their own uid, so the process limit is not enforced',
      );
    }
    for (const record of this.options.store.loadAll()) {
      this.sandboxes.set(record.sandbox_id, record);
      if (record.state === 'running' || record.state === 'starting') {
        const killed = killUidProcesses(record.uid);
        const driver = this.options.drivers.get(record.spec.runtime);
        if (driver && driver.name !== 'bwrap') {
          await driver
            .stop(record)
            .catch((err: Error) =>
              this.log.warn(
                { sandbox_id: record.sandbox_id, err: err.message },
                'stopping remote sandbox after restart failed',
              ),
            );
        }
        record.state = 'stopped';
        record.reason = 'agent_restarted';
        await this.options.store.save(record);
        this.log.info(
          { sandbox_id: record.sandbox_id, killed },
          'sandbox found after restart, reported stopped',
        );
      }
      await this.options.drivers
        .get(record.spec.runtime)
        ?.attach?.(record)
        .catch((err: Error) =>
          this.log.warn(
            { sandbox_id: record.sandbox_id, err: err.message },
            "sandbox's files could not be attached after restart",
          ),
        );
    }
    this.sampler.start();
  }

  /** What `hello` and heartbeats report. */
  snapshot(): Heartbeat['sandboxes'] {
    return [...this.sandboxes.values()].map((s) => ({ sandbox_id: s.sandbox_id, state: s.state }));
  }

  async handle(message: PlatformMessage): Promise<void> {
    const id = 'id' in message ? message.id : undefined;
    try {
      switch (message.type) {
        case 'welcome':
          return;
        case 'platform.stopping':
          // Sandboxes keep running; the channel reconnects and its hello reports them.
          this.log.info({ reason: message.reason }, 'platform stopping: sandboxes keep running');
          return;
        case 'ping':
          return this.options.send({ type: 'pong', id: message.id });
        case 'sandbox.start':
          return await this.inOrder(message.spec.sandbox_id, () => this.start(message));
        case 'sandbox.stop':
          return await this.inOrder(message.sandbox_id, () => this.stop(message));
        case 'sandbox.delete':
          return await this.inOrder(message.sandbox_id, () => this.remove(message));
        case 'exec':
          return this.exec(message);
        case 'exec.cancel':
          this.execs.get(message.id)?.cancel('cancelled');
          return;
        case 'file.put':
          return await this.filePut(message);
        case 'file.get':
          return await this.fileGet(message);
        case 'file.list':
          return await this.fileList(message);
        case 'node.exec':
          return this.nodeExec(message);
        default: {
          const unknown = message as { type: string };
          this.log.warn({ type: unknown.type }, 'unknown platform message ignored');
        }
      }
    } catch (err) {
      if (id === undefined) return;
      if (err instanceof AgentOperationError) {
        this.options.send({ type: 'error', id, code: err.code, message: err.message });
      } else {
        this.log.error({ err: (err as Error).message, type: message.type }, 'request failed');
        this.options.send({
          type: 'error',
          id,
          code: 'agent.internal',
          // The message stays in the agent's log: it may name host paths.
          message: `${message.type} failed on the node`,
        });
      }
    }
  }

  /**
   * Runs a sandbox's start, stop and delete one after another, in the order they came. The
   * platform marks an idle sandbox stopped before its agent has stopped it, so an exec right
   * after asks for a start while the stop still runs: done at once, the start saw the
   * sandbox running (and then it stopped), or both wrote its record together.
   */
  private inOrder(sandboxId: string, operation: () => Promise<void>): Promise<void> {
    const previous = this.lifecycle.get(sandboxId);
    // Nothing before it: at once, so what the operation marks first (a stop refusing later
    // execs) is marked before the next message is handled.
    const next = previous ? previous.then(operation) : operation();
    const settled = next.catch(() => undefined);
    this.lifecycle.set(sandboxId, settled);
    void settled.then(() => {
      if (this.lifecycle.get(sandboxId) === settled) this.lifecycle.delete(sandboxId);
    });
    return next;
  }

  /** Kills every running command and stops every sandbox; used on agent shutdown. */
  async shutdown(): Promise<void> {
    this.sampler.stop();
    for (const handle of this.execs.values()) handle.cancel('agent_stopped');
    // All at once: one by one, twenty sandboxes took seconds (each stop waits for its
    // processes to be gone), and the embedded platform's stop has a 10 s bound.
    await Promise.all(
      [...this.sandboxes.values()]
        .filter((record) => record.state === 'running')
        .map(async (record) => {
          const driver = this.options.drivers.get(record.spec.runtime);
          await driver?.stop(record).catch(() => undefined);
          record.state = 'stopped';
          record.reason = 'agent_stopped';
          await this.options.store.save(record).catch(() => undefined);
        }),
    );
    await Promise.all([...this.execs.values()].map((h) => h.done));
    await Promise.all(
      [...this.sandboxes.values()].map((record) =>
        this.options.drivers
          .get(record.spec.runtime)
          ?.detach?.(record)
          .catch(() => undefined),
      ),
    );
  }

  private async start(message: MessageOf<'sandbox.start'>): Promise<void> {
    const spec = message.spec;
    const existing = this.sandboxes.get(spec.sandbox_id);
    const driver = this.driverFor(spec.runtime);
    if (existing) {
      if (existing.state !== 'running') {
        await driver.start(existing);
        existing.state = 'running';
        delete existing.reason;
        await this.options.store.save(existing);
      }
      return this.options.send({
        type: 'sandbox.state',
        id: message.id,
        sandbox_id: spec.sandbox_id,
        state: 'running',
        ...(existing.ports?.length ? { ports: existing.ports } : {}),
      });
    }
    const record = this.newRecord(spec);
    this.sandboxes.set(record.sandbox_id, record);
    try {
      driver.prepareDir?.(record);
      await this.options.store.createDirs(record);
      await this.options.store.save(record);
      await driver.start(record);
      record.state = 'running';
      await this.options.store.save(record);
    } catch (err) {
      record.state = 'failed';
      record.reason = (err as Error).message;
      await this.options.store.save(record).catch(() => undefined);
      this.options.send({
        type: 'sandbox.state',
        id: message.id,
        sandbox_id: record.sandbox_id,
        state: 'failed',
        reason: record.reason,
      });
      return;
    }
    this.log.info(
      { sandbox_id: record.sandbox_id, runtime: spec.runtime, uid: record.uid },
      'sandbox started',
    );
    this.options.send({
      type: 'sandbox.state',
      id: message.id,
      sandbox_id: record.sandbox_id,
      state: 'running',
      ...(record.ports?.length ? { ports: record.ports } : {}),
    });
  }

  private newRecord(spec: SandboxSpec): SandboxRecord {
    let uid = process.getuid?.() ?? 0;
    let gid = process.getgid?.() ?? 0;
    if (uid === 0 && this.perSandboxUid) {
      // One unprivileged outer uid per sandbox: RLIMIT_NPROC and file modes then hold per sandbox.
      const used = new Set([...this.sandboxes.values()].map((s) => s.uid));
      for (const driver of this.options.drivers.values())
        for (const held of driver.heldUids?.() ?? []) used.add(held);
      let candidate = this.options.sandbox_uid_base;
      while (used.has(candidate)) candidate++;
      uid = gid = candidate;
    }
    return {
      sandbox_id: spec.sandbox_id,
      spec,
      state: 'starting',
      uid,
      gid,
      work_dir: this.options.store.workDirOf(validId(spec.sandbox_id)),
      created_at: new Date().toISOString(),
    };
  }

  private async stop(message: MessageOf<'sandbox.stop'>): Promise<void> {
    const record = this.sandboxes.get(message.sandbox_id);
    if (!record)
      throw new AgentOperationError(
        'agent.sandbox_not_found',
        `sandbox ${message.sandbox_id} is not on this node`,
      );
    this.stopping.add(record.sandbox_id);
    try {
      await this.options.drivers.get(record.spec.runtime)?.stop(record);
      record.state = 'stopped';
    } finally {
      this.stopping.delete(record.sandbox_id);
    }
    record.reason = message.reason;
    await this.options.store.save(record);
    this.log.info({ sandbox_id: record.sandbox_id, reason: message.reason }, 'sandbox stopped');
    this.options.send({
      type: 'sandbox.state',
      id: message.id,
      sandbox_id: record.sandbox_id,
      state: 'stopped',
      reason: message.reason,
    });
  }

  private async remove(message: MessageOf<'sandbox.delete'>): Promise<void> {
    const record = this.sandboxes.get(message.sandbox_id);
    if (record) {
      await this.options.drivers.get(record.spec.runtime)?.remove(record);
      this.sandboxes.delete(record.sandbox_id);
      await this.options.store.remove(validId(record.sandbox_id));
      this.log.info({ sandbox_id: record.sandbox_id }, 'sandbox deleted');
    }
    this.options.send({
      type: 'sandbox.state',
      id: message.id,
      sandbox_id: message.sandbox_id,
      state: 'stopped',
      reason: 'deleted',
    });
  }

  private exec(message: MessageOf<'exec'>): void {
    const record = this.runningSandbox(message.sandbox_id);
    const driver = this.driverFor(record.spec.runtime);
    const limits = record.spec.limits;
    const wall = message.timeout_seconds
      ? Math.min(message.timeout_seconds, limits.wall_seconds)
      : limits.wall_seconds;
    const handle = driver.exec(
      record,
      {
        argv: message.argv,
        env: message.env ?? {},
        cwd: message.cwd,
        wall_seconds: wall,
        output_limit_bytes: this.options.exec_output_limit_mb * 1048576,
      },
      {
        output: (stream, chunk) =>
          this.options.send({
            type: 'exec.output',
            id: message.id,
            stream,
            data_base64: chunk.toString('base64'),
          }),
      },
    );
    this.track(message.id, handle);
  }

  private nodeExec(message: MessageOf<'node.exec'>): void {
    if (!this.options.node_exec_enabled) {
      throw new AgentOperationError(
        'agent.runtime_unavailable',
        'operator commands are disabled on this node',
      );
    }
    if (!Array.isArray(message.argv) || message.argv.length === 0) {
      throw new AgentOperationError('agent.path_invalid', 'argv is empty');
    }
    this.log.info({ id: message.id, command: message.argv[0] }, 'operator command');
    const handle = runProcess({
      command: message.argv[0],
      args: message.argv.slice(1),
      env: process.env,
      wall_seconds: message.timeout_seconds > 0 ? message.timeout_seconds : 60,
      output_limit_bytes: this.options.exec_output_limit_mb * 1048576,
      sink: {
        output: (stream, chunk) =>
          this.options.send({
            type: 'exec.output',
            id: message.id,
            stream,
            data_base64: chunk.toString('base64'),
          }),
      },
    });
    this.track(message.id, handle);
  }

  private track(id: string, handle: ExecHandle): void {
    this.execs.set(id, handle);
    void handle.done.then((result) => {
      this.execs.delete(id);
      this.options.send({
        type: 'exec.exit',
        id,
        exit_code: result.exit_code,
        signal: result.signal,
        ...(result.reason ? { reason: result.reason } : {}),
        duration_ms: result.duration_ms,
      });
    });
  }

  private async filePut(message: MessageOf<'file.put'>): Promise<void> {
    const record = this.knownSandbox(message.sandbox_id);
    const path = sandboxRelativePath(message.path);
    const maxEncoded = Math.ceil((this.options.max_upload_mb * 1048576 * 4) / 3) + 4;
    if (typeof message.data_base64 !== 'string' || message.data_base64.length > maxEncoded) {
      throw new AgentOperationError(
        'agent.file_too_large',
        `uploads are limited to ${this.options.max_upload_mb} MB`,
      );
    }
    const data = Buffer.from(message.data_base64, 'base64');
    const files = this.driverFor(record.spec.runtime).files;
    const bytes =
      message.archive === 'tar.gz'
        ? await files.putArchive(record, path, data)
        : await files.putFile(record, path, data);
    this.options.send({ type: 'file.put.ok', id: message.id, bytes });
  }

  private async fileGet(message: MessageOf<'file.get'>): Promise<void> {
    const record = this.knownSandbox(message.sandbox_id);
    const path = sandboxRelativePath(message.path);
    const data = await this.driverFor(record.spec.runtime).files.getFile(
      record,
      path,
      this.options.max_upload_mb * 1048576,
    );
    this.options.send({
      type: 'file.get.ok',
      id: message.id,
      data_base64: data.toString('base64'),
      size: data.length,
    });
  }

  private async fileList(message: MessageOf<'file.list'>): Promise<void> {
    const record = this.knownSandbox(message.sandbox_id);
    const path = sandboxRelativePath(message.path);
    const entries = await this.driverFor(record.spec.runtime).files.list(record, path);
    this.options.send({ type: 'file.list.ok', id: message.id, entries });
  }

  private knownSandbox(sandboxId: string): SandboxRecord {
    const record = this.sandboxes.get(sandboxId);
    if (!record)
      throw new AgentOperationError(
        'agent.sandbox_not_found',
        `sandbox ${sandboxId} is not on this node`,
      );
    return record;
  }

  private runningSandbox(sandboxId: string): SandboxRecord {
    const record = this.knownSandbox(sandboxId);
    if (record.state !== 'running' || this.stopping.has(sandboxId)) {
      throw new AgentOperationError(
        'agent.sandbox_stopped',
        `sandbox ${sandboxId} is ${this.stopping.has(sandboxId) ? 'stopping' : record.state}`,
      );
    }
    return record;
  }

  private driverFor(runtime: RuntimeName): RuntimeDriver {
    const driver = this.options.drivers.get(runtime);
    if (!driver)
      throw new AgentOperationError(
        'agent.runtime_unavailable',
        `runtime ${runtime} is not available on this node`,
      );
    return driver;
  }

  private pidsOf(sandbox: SandboxRecord): number[] {
    const driver = this.options.drivers.get(sandbox.spec.runtime) as
      (RuntimeDriver & { pids?(id: string): number[] }) | undefined;
    return driver?.pids?.(sandbox.sandbox_id) ?? [];
  }
}

/** Sandbox ids become directory names: only a safe alphabet. */
function validId(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    throw new AgentOperationError('agent.path_invalid', `sandbox id "${id}" is not a valid name`);
  }
  return id;
}
