import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { CoreV1Api, KubeConfig, V1Pod, V1Status } from '@kubernetes/client-node';
import { KubernetesFiles } from './kubernetes-files';
import {
  CONTAINER_NAME,
  podNameOf,
  podVerdict,
  SANDBOX_LABEL,
  sandboxPod,
  type PodShape,
} from './kubernetes-pod';
import {
  AgentOperationError,
  type ExecHandle,
  type ExecRequest,
  type ExecResult,
  type ExecSink,
  type RuntimeDriver,
  type SandboxFiles,
  type SandboxRecord,
} from './runtime-driver';

type K8s = typeof import('@kubernetes/client-node');

/** Where an exec's wrapper writes its pid (`$0` is the exec's id), for a later kill. */
const PID_FILE = 'f="${TMPDIR:-/tmp}/.nanopod-exec-$0"';

export interface KubernetesDriverOptions extends Omit<PodShape, 'run_as_uid'> {
  /** A kubeconfig file (its current context); or `api_url` + `token`. */
  kubeconfig?: string;
  api_url?: string;
  token?: string;
  run_as_uid?: number;
  /** How long a Pod may take to be Running (image pull included). */
  start_timeout_ms?: number;
  /** How long a deleted Pod may take to be gone. */
  delete_timeout_ms?: number;
}

interface Client {
  k8s: K8s;
  config: KubeConfig;
  core: CoreV1Api;
}

/**
 * Sandboxes as Kubernetes Pods (the engine of InfiniBand clusters) through
 * @kubernetes/client-node: start creates the sandbox's Pod and watches it until Running,
 * stop and remove delete it (grace 0) and wait until it is gone, exec goes over the Pod's
 * exec subresource (WebSocket) and streams as output arrives.
 *
 * A stopped sandbox has no Pod: its files go with it (the work dir is an emptyDir). An
 * unschedulable Pod fails the start at once, and is deleted, rather than waiting for
 * capacity: the platform placed the sandbox on this node for capacity it reported.
 *
 * The client is loaded on first use: it is ESM and large, and the agent must start fast.
 */
export class KubernetesDriver implements RuntimeDriver {
  readonly name = 'kubernetes' as const;
  readonly files: SandboxFiles = new KubernetesFiles((record, request, sink) =>
    this.exec(record, request, sink),
  );
  private client: Promise<Client> | null = null;
  private readonly shape: PodShape;

  constructor(private readonly options: KubernetesDriverOptions) {
    this.shape = { ...options, run_as_uid: options.run_as_uid ?? 65532 };
  }

  private connect(): Promise<Client> {
    this.client ??= import('@kubernetes/client-node').then((k8s) => {
      const config = new k8s.KubeConfig();
      if (this.options.kubeconfig) {
        try {
          config.loadFromFile(this.options.kubeconfig);
        } catch (err) {
          throw new AgentOperationError(
            'agent.runtime_unavailable',
            `kubeconfig ${this.options.kubeconfig} cannot be read: ${(err as Error).message}`,
          );
        }
        if (!config.getCurrentCluster())
          throw new AgentOperationError(
            'agent.runtime_unavailable',
            `kubeconfig ${this.options.kubeconfig} has no current cluster`,
          );
      } else {
        // The client refuses plain http unless TLS checks are off; with http there is no TLS to
        // check (`kubectl proxy` on the node), and https is always verified.
        const plain = this.options.api_url?.startsWith('http://') ?? false;
        config.loadFromOptions({
          clusters: [{ name: 'nanopod', server: this.options.api_url, skipTLSVerify: plain }],
          users: [{ name: 'nanopod', token: this.options.token }],
          contexts: [{ name: 'nanopod', cluster: 'nanopod', user: 'nanopod' }],
          currentContext: 'nanopod',
        });
      }
      return { k8s, config, core: config.makeApiClient(k8s.CoreV1Api) };
    });
    // A failed load is not cached: a fixed kubeconfig works without restarting the agent.
    this.client.catch(() => (this.client = null));
    return this.client;
  }

  async start(record: SandboxRecord): Promise<void> {
    const { core } = await this.connect();
    const pod = sandboxPod(record, this.shape);
    const name = pod.metadata!.name!;
    const namespace = this.options.namespace;
    let created: V1Pod;
    try {
      created = await core.createNamespacedPod({ namespace, body: pod });
    } catch (err) {
      if (statusCode(err) !== 409) throw apiError('creating the sandbox Pod', err);
      // Left by an agent that stopped mid-start or mid-delete: start over from a fresh Pod.
      await this.deletePod(name);
      created = await core
        .createNamespacedPod({ namespace, body: pod })
        .catch((again: unknown) => Promise.reject(apiError('creating the sandbox Pod', again)));
    }
    record.runtime_ref = name;
    try {
      await this.untilRunning(created);
    } catch (err) {
      await this.deletePod(name).catch(() => undefined);
      throw err;
    }
  }

  /** Watches the Pod from the version it was created at, so no change is missed. */
  private async untilRunning(created: V1Pod): Promise<void> {
    const { k8s, config } = await this.connect();
    const name = created.metadata!.name!;
    const timeoutMs = this.options.start_timeout_ms ?? 300_000;
    let current = created;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const verdict = podVerdict(current);
      if (verdict.kind === 'running') return;
      if (verdict.kind === 'unschedulable')
        throw new AgentOperationError(
          'agent.no_capacity',
          `no node of the cluster can run the sandbox: ${verdict.message}`,
        );
      if (verdict.kind === 'failed')
        throw new AgentOperationError(
          'agent.start_failed',
          `sandbox Pod failed: ${verdict.message}`,
        );
      if (Date.now() >= deadline)
        throw new AgentOperationError(
          'agent.start_failed',
          `sandbox Pod ${name} was not running after ${Math.round(timeoutMs / 1000)} s (phase ${current.status?.phase ?? 'unknown'})`,
        );
      current = await nextPodState(
        new k8s.Watch(config),
        this.options.namespace,
        current,
        deadline - Date.now(),
      );
    }
  }

  /** Deletes the Pod at once (grace 0) and resolves when the API no longer has it. */
  private async deletePod(name: string): Promise<void> {
    const { k8s, config, core } = await this.connect();
    const namespace = this.options.namespace;
    let pod: V1Pod;
    try {
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
      // Grace 0 removes the Pod from the API at once and answers with its last state, whose
      // version no watch sees deleted again: read it to know whether it is still there.
      pod = await core.readNamespacedPod({ name, namespace });
    } catch (err) {
      if (statusCode(err) === 404) return;
      throw apiError('deleting the sandbox Pod', err);
    }
    const deadline = Date.now() + (this.options.delete_timeout_ms ?? 60_000);
    while (pod) {
      if (Date.now() >= deadline)
        throw new AgentOperationError('agent.internal', `sandbox Pod ${name} was not gone in time`);
      const next = await nextPodState(new k8s.Watch(config), namespace, pod, deadline - Date.now());
      if (next === pod) continue;
      if (isDeleted(next)) return;
      pod = next;
    }
  }

  exec(record: SandboxRecord, request: ExecRequest, sink: ExecSink): ExecHandle {
    const started = Date.now();
    const execId = randomUUID();
    let settle: (result: Omit<ExecResult, 'duration_ms'>) => void = () => undefined;
    const done = new Promise<ExecResult>((resolvePromise) => {
      let settled = false;
      settle = (result) => {
        if (settled) return;
        settled = true;
        clearTimeout(wallTimer);
        resolvePromise({ ...result, duration_ms: Date.now() - started });
      };
    });
    let socket: { close(): void } | null = null;
    let killing = false;
    const kill = (reason: string): void => {
      if (killing) return;
      killing = true;
      // The remote process outlives a closed connection: kill it by the pid it wrote first.
      void this.killRemote(record, execId)
        .catch(() => undefined)
        .then(() => settle({ exit_code: null, signal: 'SIGKILL', reason }));
      socket?.close();
    };
    const wallTimer = setTimeout(() => kill('wall_time_limit'), request.wall_seconds * 1000);
    let bytes = 0;
    const stream = (name: 'stdout' | 'stderr') =>
      new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          const room = request.output_limit_bytes - bytes;
          bytes += chunk.length;
          if (room > 0) sink.output(name, room >= chunk.length ? chunk : chunk.subarray(0, room));
          if (bytes > request.output_limit_bytes) kill('output_limit');
          callback();
        },
      });
    const env = { ...record.spec.env, ...request.env };
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    // `$0` names the pid file, `$1` is the cwd; the command replaces the shell, so its pid is
    // the one written. env(1) sets the request's variables (exec has no env of its own).
    const command = [
      '/bin/sh',
      '-c',
      `${PID_FILE}; echo $$ > "$f" && cd -- "$1" && shift && exec "$@"`,
      execId,
      request.cwd ?? '.',
      ...(envArgs.length > 0 ? ['env', ...envArgs] : []),
      ...request.argv,
    ];
    void (async () => {
      const { k8s, config } = await this.connect();
      const ws = await new k8s.Exec(config).exec(
        this.options.namespace,
        podNameOf(record.sandbox_id),
        CONTAINER_NAME,
        command,
        stream('stdout'),
        stream('stderr'),
        null,
        false,
        (status: V1Status) => settle({ exit_code: exitCodeOf(status), signal: null }),
      );
      socket = ws;
      // Killed while connecting: the first kill may have found no pid yet.
      if (killing) {
        ws.close();
        void this.killRemote(record, execId).catch(() => undefined);
      }
      // Closed without a status: the connection broke (a kill settles on its own).
      ws.on('close', () => {
        if (!killing) settle({ exit_code: null, signal: null, reason: 'runtime_error' });
      });
    })().catch((err: unknown) => {
      sink.output('stderr', Buffer.from(`kubernetes: ${errorText(err)}\n`));
      settle({ exit_code: null, signal: null, reason: 'runtime_error' });
    });
    return { pid: null, cancel: (reason = 'cancelled') => kill(reason), done };
  }

  private async killRemote(record: SandboxRecord, execId: string): Promise<void> {
    const { k8s, config } = await this.connect();
    await new Promise<void>((resolvePromise, reject) => {
      new k8s.Exec(config)
        .exec(
          this.options.namespace,
          podNameOf(record.sandbox_id),
          CONTAINER_NAME,
          [
            '/bin/sh',
            '-c',
            `${PID_FILE}; kill -KILL "$(cat "$f")" 2>/dev/null; rm -f "$f"`,
            execId,
          ],
          null,
          null,
          null,
          false,
          () => resolvePromise(),
        )
        .then((ws) => ws.on('close', () => resolvePromise()), reject);
    });
  }

  async stop(record: SandboxRecord): Promise<void> {
    await this.deletePod(record.runtime_ref ?? podNameOf(record.sandbox_id));
  }

  async remove(record: SandboxRecord): Promise<void> {
    await this.deletePod(record.runtime_ref ?? podNameOf(record.sandbox_id));
  }

  /** The Pods this driver made in its namespace (for the operator and tests). */
  async listPods(): Promise<V1Pod[]> {
    const { core } = await this.connect();
    const list = await core.listNamespacedPod({
      namespace: this.options.namespace,
      labelSelector: SANDBOX_LABEL,
    });
    return list.items;
  }
}

/**
 * The Pod's next state after `pod`'s resourceVersion, or `pod` itself when the watch ended
 * or the time ran out first (the caller decides). A deleted Pod comes back marked
 * (`isDeleted`).
 */
async function nextPodState(
  watch: InstanceType<K8s['Watch']>,
  namespace: string,
  pod: V1Pod,
  timeoutMs: number,
): Promise<V1Pod> {
  return new Promise<V1Pod>((resolvePromise, reject) => {
    let abort: AbortController | null = null;
    let settled = false;
    const finish = (value: V1Pod | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort?.abort();
      if (value instanceof Error) reject(value);
      else resolvePromise(value);
    };
    const timer = setTimeout(() => finish(pod), Math.max(0, timeoutMs));
    watch
      .watch(
        `/api/v1/namespaces/${namespace}/pods`,
        {
          fieldSelector: `metadata.name=${pod.metadata!.name}`,
          resourceVersion: pod.metadata!.resourceVersion,
        },
        (type: string, object: V1Pod) => {
          if (type === 'DELETED') finish(markDeleted(object));
          else if (type === 'ADDED' || type === 'MODIFIED') finish(object);
          else if (type === 'ERROR')
            finish(new AgentOperationError('agent.internal', `watch: ${JSON.stringify(object)}`));
        },
        (err: unknown) => finish(err ? apiError('watching the sandbox Pod', err) : pod),
      )
      .then(
        (controller) => {
          abort = controller;
          if (settled) controller.abort();
        },
        (err: unknown) => finish(apiError('watching the sandbox Pod', err)),
      );
  });
}

const DELETED = Symbol('deleted');

function markDeleted(pod: V1Pod): V1Pod {
  return Object.assign(pod, { [DELETED]: true });
}

function isDeleted(pod: V1Pod): boolean {
  return (pod as V1Pod & { [DELETED]?: boolean })[DELETED] === true;
}

/** 0 on Success; the ExitCode cause of a NonZeroExitCode failure; null otherwise. */
export function exitCodeOf(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return status.reason === 'NonZeroExitCode' && Number.isInteger(code) ? code : null;
}

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  return typeof e?.code === 'number'
    ? e.code
    : typeof e?.statusCode === 'number'
      ? e.statusCode
      : undefined;
}

/** The API's Status message when there is one (ApiException bodies are parsed or raw). */
function errorText(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON
    }
  }
  const status = body as { message?: string; reason?: string } | undefined;
  if (status && typeof status === 'object' && status.message) return status.message;
  const code = statusCode(err);
  if (code === 401) return 'the cluster refused the credentials (401 Unauthorized)';
  if (code === 403) return 'the cluster forbids this (403 Forbidden)';
  return e?.message ?? String(err);
}

function apiError(doing: string, err: unknown): AgentOperationError {
  if (err instanceof AgentOperationError) return err;
  return new AgentOperationError('agent.start_failed', `${doing}: ${errorText(err)}`);
}
