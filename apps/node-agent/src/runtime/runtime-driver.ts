import type {
  ExposedPort,
  FileEntry,
  RuntimeName,
  SandboxRuntimeState,
  SandboxSpec,
} from '@nanopod/federation';

/** What the agent keeps about a sandbox, in `<state>/sandboxes/<id>/sandbox.json`. */
export interface SandboxRecord {
  sandbox_id: string;
  spec: SandboxSpec;
  state: SandboxRuntimeState;
  reason?: string;
  /** Outer uid/gid the sandbox's processes run as (one per sandbox when the agent is root). */
  uid: number;
  gid: number;
  /** Host path of the private work dir, seen as /work inside. */
  work_dir: string;
  created_at: string;
  /** Driver-specific handle: the Daytona sandbox id, the Firecracker socket path. */
  runtime_ref?: string;
  /** The sandbox's cgroup name when it is not its id (a warm sandbox's it took). */
  cgroup?: string;
  /** The spec's `ports` as forwarded on the node (bwrap egress netns only). */
  ports?: ExposedPort[];
}

export interface ExecRequest {
  argv: string[];
  env: Record<string, string>;
  /** Inside the sandbox; relative paths are under /work. */
  cwd?: string;
  wall_seconds: number;
  output_limit_bytes: number;
}

export interface ExecSink {
  /** Called as bytes arrive, in order per stream; never buffered beyond what the pipe gives. */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void;
}

export interface ExecResult {
  exit_code: number | null;
  signal: string | null;
  /** `wall_time_limit`, `cpu_time_limit`, `output_limit`, `cancelled` when not ended by itself. */
  reason?: string;
  duration_ms: number;
}

export interface ExecHandle {
  /** Host pid of the process the driver started (for usage sampling), when local. */
  readonly pid: number | null;
  cancel(reason?: string): void;
  readonly done: Promise<ExecResult>;
}

/** File operations on a sandbox; paths are relative to the work dir (validated by the caller). */
export interface SandboxFiles {
  putFile(sandbox: SandboxRecord, path: string, data: Buffer): Promise<number>;
  putArchive(sandbox: SandboxRecord, path: string, tarGz: Buffer): Promise<number>;
  getFile(sandbox: SandboxRecord, path: string, maxBytes: number): Promise<Buffer>;
  list(sandbox: SandboxRecord, path: string): Promise<FileEntry[]>;
}

/**
 * One way of running sandboxes. The agent picks the driver named by the sandbox's spec.
 * `start` prepares what the sandbox needs, `exec` runs one command and streams its output,
 * `stop` kills every process it runs (files stay), `remove` deletes what `start` made.
 */
export interface RuntimeDriver {
  readonly name: RuntimeName;
  readonly files: SandboxFiles;
  /**
   * Before a new sandbox's directory exists: a driver may put a ready one there (the bwrap
   * driver renames a pooled directory whose work dir is already mounted). Optional.
   */
  prepareDir?(sandbox: SandboxRecord): void;
  start(sandbox: SandboxRecord): Promise<void>;
  exec(sandbox: SandboxRecord, request: ExecRequest, sink: ExecSink): ExecHandle;
  stop(sandbox: SandboxRecord): Promise<void>;
  remove(sandbox: SandboxRecord): Promise<void>;
  /**
   * The agent is shutting down: frees node resources a stopped sandbox still holds (its work
   * dir's mount) so the state dir can be removed; `attach` brings them back after a restart.
   */
  detach?(sandbox: SandboxRecord): Promise<void>;
  /** After an agent restart: what a stopped sandbox needs for its files to be read. */
  attach?(sandbox: SandboxRecord): Promise<void>;
  /** Frees what the driver holds (connections); sandboxes are stopped by the agent first. */
  close?(): Promise<void>;
  /** Outer uids the driver holds for sandboxes not made yet (never given to a new one). */
  heldUids?(): number[];
}

/** A driver operation failed in a way the platform should see with a stable code. */
export class AgentOperationError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
