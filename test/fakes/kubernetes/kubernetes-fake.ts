import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { runExecSession } from './exec-session';
import type { FakeContainer, FakeNode, FakePod } from './fake-types';
import { labelSelector } from './selectors';
import { parseCpu, parseMemory, restrictedViolations, validatePod } from './pod-rules';

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakePod;
  rv: number;
}

interface Watcher {
  namespace: string;
  selector: (pod: FakePod) => boolean;
  res: ServerResponse;
}

/**
 * A fake Kubernetes API server for the core/v1 Pod resource, over real HTTP on 127.0.0.1, in
 * the shapes of the Kubernetes API reference (v1.33):
 *
 *   POST   /api/v1/namespaces/{ns}/pods                 Pod -> 201 Pod | 409 AlreadyExists |
 *                                                        422 Invalid | 403 Forbidden (PodSecurity)
 *   GET    /api/v1/namespaces/{ns}/pods?labelSelector=  -> PodList
 *   GET    /api/v1/namespaces/{ns}/pods?watch=true      -> newline-delimited {type, object}
 *   GET    /api/v1/namespaces/{ns}/pods/{name}          -> Pod | 404 NotFound
 *   DELETE /api/v1/namespaces/{ns}/pods/{name}          -> 200 Pod (deletionTimestamp set);
 *                                                        gone after its grace period
 *   GET    /api/v1/namespaces/{ns}/pods/{name}/exec     WebSocket, v4.channel.k8s.io
 *
 * Errors are `Status` objects. Every call needs `Authorization: Bearer <token>`. Namespaces
 * enforce Pod Security "restricted" (as `pod-security.kubernetes.io/enforce: restricted`).
 *
 * A scheduler binds a Pending Pod to the first node whose labels hold its nodeSelector and
 * whose allocatable cpu, memory and nvidia.com/gpu, less the requests of the Pods bound there,
 * fit its requests; otherwise the Pod stays Pending with PodScheduled=False, Unschedulable,
 * and is retried when a Pod goes away. A bound Pod's container command runs as a local child
 * process in a temp dir (its "file system"); exec runs there too, with the container's env.
 */
export class KubernetesFake {
  readonly token = `k8s-${randomUUID()}`;
  readonly pods = new Map<string, FakePod>();
  readonly requests: Array<{ method: string; path: string; query: string }> = [];
  url = '';
  private server!: Server;
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  });
  private readonly root = mkdtempSync(join(tmpdir(), 'k8s-fake-'));
  private readonly events: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly processes = new Map<string, ChildProcess>();
  private readonly sockets = new Set<Socket>();
  private rv = 1000;

  constructor(
    readonly nodes: FakeNode[],
    private readonly options: { startDelayMs?: number } = {},
  ) {}

  async start(): Promise<this> {
    // Go's http.DefaultMaxHeaderBytes, kube-apiserver's limit on the request line and headers
    // (exec's command is in the URL); Node's own default is 16 KiB.
    this.server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
      this.handle(req, res).catch((err: Error) =>
        this.status(res, 500, 'InternalError', err.message),
      );
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers) watcher.res.end();
    for (const child of this.processes.values()) killGroup(child);
    for (const client of this.wss.clients) client.terminate();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** The Pod's "file system" on this host. */
  podDir(pod: FakePod): string {
    return join(this.root, pod.metadata.uid);
  }

  /** The container's /tmp (TMPDIR of its processes), beside its file system. */
  tmpDir(pod: FakePod): string {
    return join(this.root, `${pod.metadata.uid}.tmp`);
  }

  /** Pods of a namespace with a label value, as the API would list them. */
  podsLabelled(key: string, value: string): FakePod[] {
    return [...this.pods.values()].filter((p) => p.metadata.labels?.[key] === value);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search });
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    const body = await readBody(req);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m)
      return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const namespace = decodeURIComponent(m[1]);
    const name = m[2] ? decodeURIComponent(m[2]) : undefined;
    const q = url.searchParams;
    if (!name && req.method === 'POST') return this.create(res, namespace, body);
    if (!name && req.method === 'GET') {
      const selector = labelSelector(q.get('labelSelector'), q.get('fieldSelector'));
      if (!selector) return this.status(res, 400, 'BadRequest', 'unable to parse requirement');
      if (q.get('watch') === 'true' || q.get('watch') === '1')
        return this.watch(res, namespace, selector, q.get('resourceVersion'));
      const items = [...this.pods.values()].filter(
        (p) => p.metadata.namespace === namespace && selector(p),
      );
      return this.json(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: String(this.rv) },
        items,
      });
    }
    const pod = name ? this.pods.get(key(namespace, name)) : undefined;
    if (!pod) return this.status(res, 404, 'NotFound', `pods "${name}" not found`, name);
    if (req.method === 'GET') return this.json(res, 200, pod);
    if (req.method === 'DELETE') {
      const options =
        body.length > 0 ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
      const grace = Number(q.get('gracePeriodSeconds') ?? options.gracePeriodSeconds ?? 30);
      return this.delete(res, pod, grace);
    }
    this.status(res, 405, 'MethodNotAllowed', `the server does not allow this method`);
  }

  private create(res: ServerResponse, namespace: string, body: Buffer): void {
    let input: Partial<FakePod>;
    try {
      input = JSON.parse(body.toString()) as Partial<FakePod>;
    } catch {
      return this.status(res, 400, 'BadRequest', 'the object provided is unrecognized');
    }
    const name = input.metadata?.name ?? '';
    const causes = validatePod(input);
    if (causes.length > 0) {
      return this.status(
        res,
        422,
        'Invalid',
        `Pod "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
        name,
        causes,
      );
    }
    if (this.pods.has(key(namespace, name)))
      return this.status(res, 409, 'AlreadyExists', `pods "${name}" already exists`, name);
    const violations = restrictedViolations(input);
    if (violations.length > 0) {
      return this.status(
        res,
        403,
        'Forbidden',
        `pods "${name}" is forbidden: violates PodSecurity "restricted:latest": ${violations.join(', ')}`,
        name,
      );
    }
    const pod: FakePod = {
      ...(input as FakePod),
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...input.metadata!,
        name,
        namespace,
        uid: randomUUID(),
        resourceVersion: String(++this.rv),
        creationTimestamp: new Date().toISOString(),
      },
      status: { phase: 'Pending', qosClass: 'Guaranteed' },
    };
    this.pods.set(key(namespace, name), pod);
    this.emit('ADDED', pod);
    this.json(res, 201, pod);
    setImmediate(() => this.schedule());
  }

  private delete(res: ServerResponse, pod: FakePod, graceSeconds: number): void {
    if (!pod.metadata.deletionTimestamp) {
      pod.metadata.deletionTimestamp = new Date().toISOString();
      pod.metadata.deletionGracePeriodSeconds = graceSeconds;
      // Grace 0 is a forced delete: the object goes from the API at once (the kubelet kills
      // the container afterwards). Otherwise the kubelet kills the container (SIGTERM, SIGKILL
      // after the grace period) and then the object goes; here at most 100 ms later.
      if (graceSeconds === 0) {
        this.reap(pod);
        return this.json(res, 200, pod);
      }
      this.touch(pod);
      setTimeout(() => this.reap(pod), Math.min(graceSeconds * 1000, 100));
    }
    this.json(res, 200, pod);
  }

  private reap(pod: FakePod): void {
    const k = key(pod.metadata.namespace, pod.metadata.name);
    if (this.pods.get(k) !== pod) return;
    const child = this.processes.get(pod.metadata.uid);
    if (child) killGroup(child);
    this.processes.delete(pod.metadata.uid);
    this.pods.delete(k);
    pod.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', pod);
    rmSync(this.podDir(pod), { recursive: true, force: true });
    rmSync(this.tmpDir(pod), { recursive: true, force: true });
    this.schedule();
  }

  /** Binds every Pending, unbound Pod that fits somewhere; marks the others Unschedulable. */
  private schedule(): void {
    for (const pod of this.pods.values()) {
      if (pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      const want = requestsOf(pod);
      const reasons: string[] = [];
      const node = this.nodes.find((n) => {
        const selector = pod.spec.nodeSelector ?? {};
        if (!Object.entries(selector).every(([k, v]) => n.labels[k] === v)) {
          reasons.push("node(s) didn't match Pod's node affinity/selector");
          return false;
        }
        const used = [...this.pods.values()]
          .filter((p) => p.spec.nodeName === n.name)
          .map(requestsOf)
          .reduce(
            (a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, gpu: a.gpu + b.gpu }),
            {
              cpu: 0,
              memory: 0,
              gpu: 0,
            },
          );
        const free = {
          cpu: parseCpu(n.allocatable.cpu ?? '0') - used.cpu,
          memory: parseMemory(n.allocatable.memory ?? '0') - used.memory,
          gpu: Number(n.allocatable['nvidia.com/gpu'] ?? 0) - used.gpu,
        };
        const short = (['cpu', 'memory', 'gpu'] as const).filter((r) => want[r] > free[r]);
        for (const r of short) reasons.push(`Insufficient ${r === 'gpu' ? 'nvidia.com/gpu' : r}`);
        return short.length === 0;
      });
      if (!node) {
        const message = `0/${this.nodes.length} nodes are available: ${summarize(reasons)}. preemption: not eligible due to preemptionPolicy=Never.`;
        const current = pod.status.conditions?.find((c) => c.type === 'PodScheduled');
        if (current?.message === message) continue;
        pod.status.conditions = [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message },
        ];
        this.touch(pod);
        continue;
      }
      pod.spec.nodeName = node.name;
      pod.status.conditions = [{ type: 'PodScheduled', status: 'True' }];
      this.touch(pod);
      setTimeout(() => this.run(pod), this.options.startDelayMs ?? 20);
    }
  }

  /** The kubelet: starts the container's command; its exit ends the Pod (restartPolicy Never). */
  private run(pod: FakePod): void {
    if (
      pod.metadata.deletionTimestamp ||
      !this.pods.has(key(pod.metadata.namespace, pod.metadata.name))
    )
      return;
    const container = pod.spec.containers[0];
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    const dir = this.podDir(pod);
    mkdirSync(dir, { recursive: true });
    mkdirSync(this.tmpDir(pod), { recursive: true });
    const child = spawn(argv[0], argv.slice(1), {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TMPDIR: this.tmpDir(pod), ...envOf(container) },
      stdio: 'ignore',
      detached: true,
    });
    this.processes.set(pod.metadata.uid, child);
    const started = new Date().toISOString();
    child.on('error', () => undefined);
    child.on('exit', (code) => {
      if (this.processes.get(pod.metadata.uid) !== child) return;
      this.processes.delete(pod.metadata.uid);
      pod.status.phase = code === 0 ? 'Succeeded' : 'Failed';
      pod.status.containerStatuses = [
        {
          name: container.name,
          ready: false,
          restartCount: 0,
          state: {
            terminated: { exitCode: code ?? 137, reason: code === 0 ? 'Completed' : 'Error' },
          },
        },
      ];
      this.touch(pod);
    });
    pod.status = {
      ...pod.status,
      phase: 'Running',
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
      startTime: started,
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: started } },
        },
      ],
    };
    this.touch(pod);
  }

  private watch(
    res: ServerResponse,
    namespace: string,
    selector: (pod: FakePod) => boolean,
    resourceVersion: string | null,
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const watcher: Watcher = { namespace, selector, res };
    const matches = (pod: FakePod) => pod.metadata.namespace === namespace && selector(pod);
    if (resourceVersion && resourceVersion !== '0') {
      // Changes after the given version, then live ones: nothing in between is lost.
      for (const e of this.events)
        if (e.rv > Number(resourceVersion) && matches(e.object)) write(res, e);
    } else {
      // No version: synthetic ADDED events for what exists now, then changes.
      for (const pod of this.pods.values())
        if (matches(pod)) write(res, { type: 'ADDED', object: pod, rv: this.rv });
    }
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }

  private touch(pod: FakePod): void {
    pod.metadata.resourceVersion = String(++this.rv);
    this.emit('MODIFIED', pod);
  }

  private emit(type: WatchEvent['type'], pod: FakePod): void {
    const event: WatchEvent = {
      type,
      object: structuredClone(pod),
      rv: Number(pod.metadata.resourceVersion),
    };
    this.events.push(event);
    for (const w of this.watchers)
      if (w.namespace === pod.metadata.namespace && w.selector(pod)) write(w.res, event);
  }

  /** `GET .../pods/{name}/exec?command=..&stdout=true&stderr=true` upgraded to a WebSocket. */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: 'GET', path: url.pathname, query: url.search });
    const refuse = (code: number, reason: string, message: string) => {
      const body = JSON.stringify(statusBody(code, reason, message));
      socket.end(
        `HTTP/1.1 ${code} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return refuse(401, 'Unauthorized', 'Unauthorized');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) return refuse(404, 'NotFound', 'the server could not find the requested resource');
    const pod = this.pods.get(key(decodeURIComponent(m[1]), decodeURIComponent(m[2])));
    if (!pod) return refuse(404, 'NotFound', `pods "${m[2]}" not found`);
    if (pod.status.phase !== 'Running' || pod.metadata.deletionTimestamp)
      return refuse(400, 'BadRequest', `pod ${m[2]} is not running`);
    const command = url.searchParams.getAll('command');
    const containerName = url.searchParams.get('container') ?? pod.spec.containers[0].name;
    const container = pod.spec.containers.find((c) => c.name === containerName);
    if (!container)
      return refuse(400, 'BadRequest', `container ${containerName} is not valid for pod ${m[2]}`);
    if (command.length === 0)
      return refuse(400, 'BadRequest', 'you must specify at least 1 command');
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      runExecSession(
        ws,
        command,
        {
          cwd: this.podDir(pod),
          env: {
            PATH: process.env.PATH,
            HOME: this.podDir(pod),
            TMPDIR: this.tmpDir(pod),
            ...envOf(container),
          },
        },
        url.searchParams,
      ),
    );
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private status(
    res: ServerResponse,
    code: number,
    reason: string,
    message: string,
    name?: string,
    causes?: Array<{ reason: string; message: string; field: string }>,
  ): void {
    const body = statusBody(code, reason, message);
    if (name) body.details = { name, kind: 'pods', ...(causes ? { causes } : {}) };
    this.json(res, code, body);
  }
}

function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function write(res: ServerResponse, event: WatchEvent): void {
  res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
}

function envOf(container: FakeContainer): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
}

function requestsOf(pod: FakePod): { cpu: number; memory: number; gpu: number } {
  const sum = { cpu: 0, memory: 0, gpu: 0 };
  for (const c of pod.spec.containers) {
    const r = c.resources?.requests ?? c.resources?.limits ?? {};
    sum.cpu += parseCpu(r.cpu ?? '0');
    sum.memory += parseMemory(r.memory ?? '0');
    sum.gpu += Number(c.resources?.limits?.['nvidia.com/gpu'] ?? r['nvidia.com/gpu'] ?? 0);
  }
  return sum;
}

/** "1 Insufficient nvidia.com/gpu, 2 node(s) didn't match ..." as the scheduler counts them. */
function summarize(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts.entries()].map(([r, n]) => `${n} ${r}`).join(', ');
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolvePromise(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
