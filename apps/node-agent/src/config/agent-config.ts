import { existsSync, readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GpuInventory, NodeKind } from '@nanopod/federation';

/**
 * Everything the agent can be told, in one typed object. Sources, later ones winning:
 * defaults < config file (JSON or YAML) < environment (NANOPOD_AGENT_<KEY>) < flags.
 * Validated once at start; a bad value stops the agent listing every problem.
 */
export interface AgentConfig {
  /** Platform base URL; `run` falls back to the URL recorded at enrollment. */
  url: string | null;
  state_dir: string;
  name: string | null;
  /** Overrides the interval the platform answers with. */
  heartbeat_interval_ms: number | null;
  zone: string;
  labels: Record<string, string>;
  kind: NodeKind;
  power_watts: number | null;
  vpn_address: string | null;
  /** Interface to read the VPN address from when `vpn_address` is not set (default: first wg*|tun*). */
  vpn_interface: string | null;
  /** Used when neither nvidia-smi nor rocm-smi is present. */
  gpus: GpuInventory[];
  log_level: string;
  bwrap_bin: string;
  /**
   * Destinations egress sandboxes on this node may reach despite the deny list (the node, its
   * LAN, private and link-local ranges): `CIDR:port`, `[CIDR]:port` for IPv6. Comma-separated
   * in the environment.
   */
  egress_allow: string[];
  /**
   * The address a serving replica's forwarded port listens on: 127.0.0.1 (default) when the
   * platform runs on this machine, else this node's VPN address, the one an admin issued with
   * its enrollment token (the platform connects only there).
   */
  forward_address: string;
  /**
   * Egress network namespaces kept ready (made, filtered, pasta attached) so an egress sandbox
   * starts without waiting ~100 ms for its own; each serves one sandbox and is then destroyed.
   * 0 turns the pool off.
   */
  egress_pool: number;
  /**
   * Warm sandboxes kept ready (cgroups, work dir and first command chain made ahead, of the
   * shape last started; root, cgroups and disk_quota needed) so a new sandbox's first exec
   * does not wait for them. 0 turns it off.
   */
  warm_pool: number;
  /** Hold each work dir to its disk_mb with a loop-mounted filesystem image (root only). */
  disk_quota: boolean;
  /**
   * First outer uid handed to sandboxes when the agent runs as root (one uid per sandbox).
   * Defaults to a block derived from the state dir, so two agents on one host (the embedded
   * one and a test's) do not share uids and never kill each other's processes.
   */
  sandbox_uid_base: number;
  max_upload_mb: number;
  exec_output_limit_mb: number;
  node_exec_enabled: boolean;
  firecracker_bin: string | null;
  kernel_image: string | null;
  rootfs_image: string | null;
  daytona_api_url: string | null;
  daytona_api_key: string | null;
  daytona_target: string | null;
  /** A kubeconfig file for the kubernetes runtime (its current context); or api_url + token. */
  kubernetes_kubeconfig: string | null;
  kubernetes_api_url: string | null;
  kubernetes_token: string | null;
  /** Namespace the sandbox Pods are made in. */
  kubernetes_namespace: string;
  /** Image of the sandbox Pods; it needs /bin/sh. */
  kubernetes_image: string;
  /** Node labels every sandbox Pod must land on (JSON object in the environment). */
  kubernetes_node_selector: Record<string, string>;
  /** Node label holding the GPU model; a sandbox's gpu_type selects nodes by it. */
  kubernetes_gpu_type_label: string;
}

export type AgentConfigInput = Partial<Record<keyof AgentConfig, unknown>>;

export class AgentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid node agent configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/nanopod-agent' : join(homedir(), '.nanopod-agent');
}

const KEYS: Array<keyof AgentConfig> = [
  'url',
  'state_dir',
  'name',
  'heartbeat_interval_ms',
  'zone',
  'labels',
  'kind',
  'power_watts',
  'vpn_address',
  'vpn_interface',
  'gpus',
  'log_level',
  'bwrap_bin',
  'egress_allow',
  'forward_address',
  'egress_pool',
  'warm_pool',
  'disk_quota',
  'sandbox_uid_base',
  'max_upload_mb',
  'exec_output_limit_mb',
  'node_exec_enabled',
  'firecracker_bin',
  'kernel_image',
  'rootfs_image',
  'daytona_api_url',
  'daytona_api_key',
  'daytona_target',
  'kubernetes_kubeconfig',
  'kubernetes_api_url',
  'kubernetes_token',
  'kubernetes_namespace',
  'kubernetes_image',
  'kubernetes_node_selector',
  'kubernetes_gpu_type_label',
];

/** Reads NANOPOD_AGENT_<KEY> for every known key. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AgentConfigInput {
  const out: AgentConfigInput = {};
  for (const key of KEYS) {
    const value = env[`NANOPOD_AGENT_${key.toUpperCase()}`];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Parses a JSON or YAML config file (by extension; YAML is a superset so it is the fallback). */
export function configFromFile(file: string): AgentConfigInput {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text) as AgentConfigInput;
  // js-yaml is loaded only when a YAML file is used: the agent must start fast.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('js-yaml') as { load(text: string): unknown };
  const parsed = yaml.load(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AgentConfigError([`${file}: expected a mapping of config keys`]);
  }
  return parsed as AgentConfigInput;
}

/** `prlimit_bin`: rlimits are set by the sandbox launcher's own `ulimit` since 0.1. */
const RETIRED_KEYS = ['prlimit_bin'];

/** Merges the sources (later wins, undefined skipped) and validates the result. */
export function resolveAgentConfig(...sources: AgentConfigInput[]): AgentConfig {
  const merged: AgentConfigInput = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (value !== undefined) merged[key as keyof AgentConfig] = value;
    }
  }
  const problems: string[] = [];
  for (const key of Object.keys(merged)) {
    // Settings of earlier agents that no longer mean anything: accepted, so an upgrade with an
    // old config file still starts.
    if (RETIRED_KEYS.includes(key)) {
      delete merged[key as keyof AgentConfig];
      continue;
    }
    if (!KEYS.includes(key as keyof AgentConfig)) problems.push(`unknown key "${key}"`);
  }
  const v = new Reader(merged, problems);
  const stateDir = resolve(v.string('state_dir') ?? defaultStateDir());
  const config: AgentConfig = {
    url: v.url('url'),
    state_dir: stateDir,
    name: v.string('name'),
    heartbeat_interval_ms: v.int('heartbeat_interval_ms', 100, 3_600_000),
    zone: v.string('zone') ?? 'default',
    labels: v.labels('labels'),
    kind: v.oneOf('kind', ['federated', 'infiniband'] as const) ?? 'federated',
    power_watts: v.int('power_watts', 0, 1_000_000),
    vpn_address: v.string('vpn_address'),
    vpn_interface: v.string('vpn_interface'),
    gpus: v.gpus('gpus'),
    log_level:
      v.oneOf('log_level', [
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent',
      ] as const) ?? 'info',
    bwrap_bin: v.string('bwrap_bin') ?? '/usr/bin/bwrap',
    egress_allow: egressAllow(merged.egress_allow, problems),
    forward_address: forwardAddress(v.string('forward_address'), problems),
    egress_pool: v.int('egress_pool', 0, 64) ?? 2,
    warm_pool: v.int('warm_pool', 0, 16) ?? 1,
    disk_quota: v.bool('disk_quota') ?? true,
    sandbox_uid_base: v.int('sandbox_uid_base', 1000, 4_000_000_000) ?? uidBaseFor(stateDir),
    max_upload_mb: v.int('max_upload_mb', 1, 1_000_000) ?? 64,
    exec_output_limit_mb: v.int('exec_output_limit_mb', 1, 1_000_000) ?? 64,
    node_exec_enabled: v.bool('node_exec_enabled') ?? true,
    firecracker_bin: v.string('firecracker_bin'),
    kernel_image: v.string('kernel_image'),
    rootfs_image: v.string('rootfs_image'),
    daytona_api_url: v.url('daytona_api_url'),
    daytona_api_key: v.string('daytona_api_key'),
    daytona_target: v.string('daytona_target'),
    kubernetes_kubeconfig: v.string('kubernetes_kubeconfig'),
    kubernetes_api_url: v.url('kubernetes_api_url'),
    kubernetes_token: v.string('kubernetes_token'),
    kubernetes_namespace: v.string('kubernetes_namespace') ?? 'nanopod-sandboxes',
    kubernetes_image: v.string('kubernetes_image') ?? 'docker.io/library/python:3.12-slim',
    kubernetes_node_selector: v.stringMap('kubernetes_node_selector'),
    kubernetes_gpu_type_label: v.string('kubernetes_gpu_type_label') ?? 'nanopod.dev/gpu-type',
  };
  if (config.daytona_api_url && !config.daytona_api_key) {
    problems.push('daytona_api_key is required when daytona_api_url is set');
  }
  if (config.kubernetes_api_url && !config.kubernetes_token) {
    problems.push('kubernetes_token is required when kubernetes_api_url is set');
  }
  if (config.kubernetes_token && !config.kubernetes_api_url) {
    problems.push('kubernetes_api_url is required when kubernetes_token is set');
  }
  if (config.kubernetes_kubeconfig && config.kubernetes_api_url) {
    problems.push('set kubernetes_kubeconfig or kubernetes_api_url, not both');
  }
  if (config.kubernetes_kubeconfig && !existsSync(config.kubernetes_kubeconfig)) {
    problems.push(`kubernetes_kubeconfig: no file at ${config.kubernetes_kubeconfig}`);
  }
  // A DNS-1123 label, as the API requires of namespace names.
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(config.kubernetes_namespace)) {
    problems.push(
      `kubernetes_namespace: "${config.kubernetes_namespace}" is not a valid namespace name`,
    );
  }
  const fc = [config.firecracker_bin, config.kernel_image, config.rootfs_image].filter(Boolean);
  if (fc.length > 0 && fc.length < 3) {
    problems.push('firecracker_bin, kernel_image and rootfs_image are needed together');
  }
  if (problems.length > 0) throw new AgentConfigError(problems);
  return config;
}

const ALLOW_ENTRY = /^(\[[0-9a-fA-F:.]+(\/\d{1,3})?\]|[0-9.]+(\/\d{1,2})?):\d{1,5}$/;

/** A list or a comma-separated string of `CIDR:port` entries. */
function egressAllow(raw: unknown, problems: string[]): string[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
  if (!list) {
    problems.push('egress_allow must be a list of CIDR:port entries');
    return [];
  }
  const entries = list.map((e) => String(e).trim()).filter(Boolean);
  for (const e of entries) {
    if (!ALLOW_ENTRY.test(e)) problems.push(`egress_allow entry "${e}" is not CIDR:port`);
  }
  return entries;
}

/** 200000 + one of 8192 blocks of 256 uids, picked by an FNV-1a hash of the state dir. */
export function uidBaseFor(stateDir: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < stateDir.length; i++) {
    hash ^= stateDir.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 200_000 + (hash % 8192) * 256;
}

class Reader {
  constructor(
    private readonly input: AgentConfigInput,
    private readonly problems: string[],
  ) {}

  string(key: keyof AgentConfig): string | null {
    const value = this.input[key];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') {
      this.problems.push(`${key}: expected a string`);
      return null;
    }
    return value;
  }

  url(key: keyof AgentConfig): string | null {
    const value = this.string(key);
    if (value === null) return null;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${key}: expected an http(s) URL, got "${value}"`);
      return null;
    }
  }

  int(key: keyof AgentConfig, min: number, max: number): number | null {
    const value = this.input[key];
    if (value === undefined || value === null || value === '') return null;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${key}: expected an integer in ${min}..${max}, got "${String(value)}"`);
      return null;
    }
    return n;
  }

  bool(key: keyof AgentConfig): boolean | null {
    const value = this.input[key];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${key}: expected true or false`);
    return null;
  }

  oneOf<T extends string>(key: keyof AgentConfig, allowed: readonly T[]): T | null {
    const value = this.string(key);
    if (value === null) return null;
    if (!allowed.includes(value as T)) {
      this.problems.push(`${key}: expected one of ${allowed.join('|')}, got "${value}"`);
      return null;
    }
    return value as T;
  }

  /** `{k: v}` from a file, or `k=v,k2=v2` from env and flags. */
  labels(key: keyof AgentConfig): Record<string, string> {
    const value = this.input[key];
    if (value === undefined || value === null || value === '') return {};
    if (typeof value === 'string') {
      const out: Record<string, string> = {};
      for (const pair of value.split(',').filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          this.problems.push(`${key}: expected k=v pairs separated by commas, got "${pair}"`);
          continue;
        }
        out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return out;
    }
    if (typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
    }
    this.problems.push(`${key}: expected a mapping or k=v pairs`);
    return {};
  }

  /** A JSON object of strings (a string in the environment, a mapping in a file). */
  stringMap(key: keyof AgentConfig): Record<string, string> {
    let value = this.input[key];
    if (value === undefined || value === null || value === '') return {};
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        this.problems.push(`${key}: expected a JSON object`);
        return {};
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problems.push(`${key}: expected an object of strings`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') this.problems.push(`${key}.${k}: expected a string`);
      else out[k] = v;
    }
    return out;
  }

  gpus(key: keyof AgentConfig): GpuInventory[] {
    let value = this.input[key];
    if (value === undefined || value === null || value === '') return [];
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        this.problems.push(`${key}: expected a JSON array`);
        return [];
      }
    }
    if (!Array.isArray(value)) {
      this.problems.push(`${key}: expected an array of {model, memory_mb, driver?, vendor?}`);
      return [];
    }
    return value.map((raw: Record<string, unknown>, index) => {
      const memory = Number(raw.memory_mb);
      if (typeof raw.model !== 'string' || !Number.isFinite(memory)) {
        this.problems.push(`${key}[${index}]: needs model (string) and memory_mb (number)`);
      }
      const vendor = raw.vendor === 'nvidia' || raw.vendor === 'amd' ? raw.vendor : 'other';
      return {
        index: typeof raw.index === 'number' ? raw.index : index,
        model: String(raw.model ?? 'unknown'),
        memory_mb: Number.isFinite(memory) ? memory : 0,
        driver: typeof raw.driver === 'string' ? raw.driver : null,
        vendor,
      };
    });
  }
}

/** An IPv4 address of this node (pasta's `-t ADDR/PORT` form); loopback by default. */
function forwardAddress(value: string | null, problems: string[]): string {
  if (value === null) return '127.0.0.1';
  if (isIPv4(value)) return value;
  problems.push(`forward_address "${value}" is not an IPv4 address`);
  return '127.0.0.1';
}
