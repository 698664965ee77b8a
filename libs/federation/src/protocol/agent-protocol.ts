/**
 * The wire protocol between the platform and a node agent. Both sides import these types
 * (the platform through libs/federation, apps/node-agent through `@nanopod/federation`).
 *
 * HTTP (JSON, every body validated, errors in the platform's `{error:{code,message,details}}`):
 *   POST /v1/agent/enroll                      {token, name, inventory}      -> EnrollResponse
 *        (no auth header: the single-use enrollment token is the credential)
 *   POST /v1/agent/nodes/:nodeId/heartbeat     Heartbeat                     -> HeartbeatAck
 *        Authorization: Bearer <node credential>; a credential acts for its own node only
 *        (another node's id -> 403 `federation.node_mismatch`).
 *   GET  /v1/agent/nodes/:nodeId/channel       WebSocket upgrade, same Bearer credential.
 *        Platform -> agent: PlatformMessage; agent -> platform: AgentMessage; JSON text frames.
 *        The agent reconnects with exponential backoff (250 ms doubling, capped at 10 s, jitter)
 *        and its first frame on every connection is `hello` with what it runs, so the platform
 *        can reconcile after an agent or platform restart.
 *
 * Node credentials look like `npn_<nodeIdHex>_<secret>`; enrollment tokens `npe_<idHex>_<secret>`.
 * Both are stored only as hashes on the platform.
 */

export type WorkloadClassName = 'latency_tolerant' | 'latency_sensitive';
export type NodeKind = 'federated' | 'infiniband';
export type RuntimeName = 'bwrap' | 'firecracker' | 'daytona' | 'kubernetes';

export interface GpuInventory {
  index: number;
  model: string;
  memory_mb: number;
  driver: string | null;
  vendor: 'nvidia' | 'amd' | 'other';
}

export interface NodeInventory {
  hostname: string;
  cpu_cores: number;
  memory_mb: number;
  disk_gb: number;
  gpus: GpuInventory[];
  power_watts: number | null;
  vpn_address: string | null;
  zone: string;
  labels: Record<string, string>;
  kind: NodeKind;
  workload_classes: WorkloadClassName[];
  runtimes: RuntimeName[];
  agent_version: string;
  /** What the bwrap runtime can enforce on this node; absent from agents that predate it. */
  containment?: NodeContainment;
}

/**
 * Limits an agent can enforce on its node. The platform places a sandbox only on a node that
 * can contain it (an egress sandbox needs `netns_egress`; every bwrap sandbox needs the memory
 * and pids cgroups) and refuses it otherwise.
 */
export interface NodeContainment {
  cgroup_version: 1 | 2 | null;
  cgroup_memory: boolean;
  cgroup_pids: boolean;
  cgroup_cpu: boolean;
  /** Egress sandboxes get their own network namespace with user-mode NAT and a deny list. */
  netns_egress: boolean;
  /** The work dir is a size-limited filesystem of `disk_mb`. */
  disk_quota: boolean;
  seccomp: boolean;
  /** Nested user namespaces are blocked inside sandboxes. */
  userns_disable: boolean;
}

export interface EnrollRequest {
  token: string;
  name: string;
  inventory: NodeInventory;
}

export interface EnrollResponse {
  node_id: string;
  credential: string;
  heartbeat_interval_ms: number;
}

export interface Heartbeat {
  inventory: NodeInventory;
  /** Sandboxes the agent holds right now (any state it still knows of). */
  sandboxes: Array<{ sandbox_id: string; state: SandboxRuntimeState }>;
}

export interface HeartbeatAck {
  node_id: string;
  state: string;
  cordoned: boolean;
  heartbeat_interval_ms: number;
}

export type SandboxRuntimeState = 'starting' | 'running' | 'stopped' | 'failed';

/** Limits the agent enforces on every process of a sandbox. */
export interface SandboxLimits {
  memory_mb: number;
  /** Max processes/threads (RLIMIT_NPROC inside the sandbox's user namespace). */
  pids: number;
  /** CPU seconds per command (RLIMIT_CPU). */
  cpu_seconds: number;
  /** Wall-clock seconds per command; the agent kills the process group when it passes. */
  wall_seconds: number;
  /** Max bytes of one uploaded file and of the work dir. */
  disk_mb: number;
}

export interface SandboxSpec {
  sandbox_id: string;
  owner_id: string;
  runtime: RuntimeName;
  cpu: number;
  memory_mb: number;
  gpus: number;
  gpu_type: string | null;
  network: 'none' | 'egress';
  /**
   * Extra destinations an egress sandbox may reach despite the deny list (private, node and
   * link-local ranges), `CIDR:port` or `[CIDR]:port`; admin-set, added to the agent's own list.
   */
  egress_allow?: string[];
  /**
   * Ports inside the sandbox the platform must reach (a serving replica's `resources.ports`).
   * Needs `network: 'egress'` (the sandbox's own netns): pasta forwards a port on the node's
   * loopback, chosen by the agent, to each, and the start's `sandbox.state` reply names them in
   * `ports`. Nothing else is forwarded; other sandboxes cannot reach the node's loopback.
   */
  ports?: number[];
  env: Record<string, string>;
  limits: SandboxLimits;
}

/** A sandbox port forwarded to the node: `host:host_port` reaches `port` inside. */
export interface ExposedPort {
  port: number;
  host: string;
  host_port: number;
}

/** Platform -> agent. `id` correlates replies (a uuid chosen by the platform). */
export type PlatformMessage =
  | { type: 'welcome'; node_id: string; heartbeat_interval_ms: number }
  | { type: 'sandbox.start'; id: string; spec: SandboxSpec }
  | { type: 'sandbox.stop'; id: string; sandbox_id: string; reason: string }
  /** Removes the sandbox's files too. */
  | { type: 'sandbox.delete'; id: string; sandbox_id: string }
  | {
      type: 'exec';
      id: string;
      sandbox_id: string;
      argv: string[];
      env?: Record<string, string>;
      cwd?: string;
      timeout_seconds?: number;
    }
  | { type: 'exec.cancel'; id: string }
  /** A file (base64) or, with `archive: 'tar.gz'`, a gzipped tarball extracted at `path`. */
  | {
      type: 'file.put';
      id: string;
      sandbox_id: string;
      path: string;
      data_base64: string;
      archive?: 'tar.gz';
    }
  | { type: 'file.get'; id: string; sandbox_id: string; path: string }
  | { type: 'file.list'; id: string; sandbox_id: string; path: string }
  /**
   * Operator command on the node itself (nanopod nodes exec), outside any sandbox. Answered
   * like exec: `exec.output` frames then `exec.exit`, all carrying this message's id;
   * `exec.cancel` with the same id ends it.
   */
  | { type: 'node.exec'; id: string; argv: string[]; timeout_seconds: number }
  | { type: 'ping'; id: string }
  /**
   * The platform is stopping (a restart or a deploy): the channel closes next. The agent keeps
   * its sandboxes running and reconnects with its usual backoff, starting from the shortest
   * delay; its `hello` then lets the platform adopt them again.
   */
  | { type: 'platform.stopping'; reason: string };

export interface FileEntry {
  path: string;
  size: number;
  type: 'file' | 'dir';
  modified_at: string;
}

/** Agent -> platform. Replies carry the `id` of the request they answer. */
export type AgentMessage =
  | {
      type: 'hello';
      node_id: string;
      agent_version: string;
      sandboxes: Heartbeat['sandboxes'];
      containment?: NodeContainment;
    }
  | {
      type: 'sandbox.state';
      sandbox_id: string;
      state: SandboxRuntimeState;
      reason?: string;
      /** Set when this answers a sandbox.start/stop/delete. */
      id?: string;
      /** On a `running` answer to a start whose spec asked for `ports`. */
      ports?: ExposedPort[];
    }
  | { type: 'exec.output'; id: string; stream: 'stdout' | 'stderr'; data_base64: string }
  | {
      type: 'exec.exit';
      id: string;
      exit_code: number | null;
      signal: string | null;
      /** Why it ended when not by itself: `wall_time_limit`, `cpu_time_limit`, `memory_limit`, `cancelled`. */
      reason?: string;
      duration_ms: number;
    }
  | { type: 'file.put.ok'; id: string; bytes: number }
  | { type: 'file.get.ok'; id: string; data_base64: string; size: number }
  | { type: 'file.list.ok'; id: string; entries: FileEntry[] }
  | { type: 'error'; id: string; code: string; message: string }
  | {
      type: 'usage';
      /** One sample per running sandbox per second (the agent may batch several seconds). */
      samples: Array<{
        sandbox_id: string;
        at: string;
        cpu_seconds: number;
        memory_mb: number;
        gpu_seconds: number;
        egress_bytes: number;
      }>;
    }
  | { type: 'pong'; id: string };

/** Error codes an agent may answer in `error` messages. */
export const AGENT_ERROR_CODES = [
  'agent.sandbox_not_found',
  /** exec on a sandbox that is stopped or failed (files can still be read). */
  'agent.sandbox_stopped',
  'agent.path_invalid',
  'agent.file_not_found',
  'agent.file_too_large',
  /** an archive refused for its shape (compression ratio, time), not its size. */
  'agent.archive_refused',
  'agent.runtime_unavailable',
  'agent.busy',
  /** The node cannot enforce what the sandbox needs (its egress network, its limits). */
  'agent.uncontainable',
  'agent.egress_allow_invalid',
  /** No node of the runtime's cluster can take the sandbox (a Kubernetes Pod unschedulable). */
  'agent.no_capacity',
  /** The runtime could not start the sandbox (its Pod failed, timed out, was refused). */
  'agent.start_failed',
  'agent.internal',
] as const;
