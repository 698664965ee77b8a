import type { AgentMessage } from '@nanopod/federation';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakePod } from '../../../test/fakes/kubernetes/fake-types';
import { KubernetesFake } from '../../../test/fakes/kubernetes/kubernetes-fake';
import { AgentConfigError, resolveAgentConfig } from '../src/config/agent-config';
import { createAgentLogger } from '../src/logger';
import { createDrivers } from '../src/runtime/drivers';
import { KubernetesDriver, type KubernetesDriverOptions } from '../src/runtime/kubernetes-driver';
import { SANDBOX_LABEL } from '../src/runtime/kubernetes-pod';
import type { RuntimeDriver } from '../src/runtime/runtime-driver';
import { ManagerHarness, sandboxSpec } from './support/manager-harness';

const NAMESPACE = 'nanopod-sandboxes';

describe('the kubernetes runtime driver against the Kubernetes API', () => {
  let cluster: KubernetesFake;
  let harness: ManagerHarness;
  let driver: KubernetesDriver;

  const options = (over: Partial<KubernetesDriverOptions> = {}): KubernetesDriverOptions => ({
    api_url: cluster.url,
    token: cluster.token,
    namespace: NAMESPACE,
    image: 'registry.example/sandbox:1',
    node_selector: { 'nanopod.dev/pool': 'sandboxes' },
    gpu_type_label: 'nanopod.dev/gpu-type',
    start_timeout_ms: 10_000,
    ...over,
  });

  const podOf = (sandboxId: string): FakePod | undefined =>
    cluster.podsLabelled(SANDBOX_LABEL, sandboxId)[0];

  beforeAll(async () => {
    cluster = await new KubernetesFake([
      {
        name: 'ib-node-1',
        labels: { 'nanopod.dev/pool': 'sandboxes', 'nanopod.dev/gpu-type': 'h100-sxm' },
        allocatable: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': '2' },
      },
      {
        name: 'cpu-node-1',
        labels: { 'nanopod.dev/pool': 'sandboxes' },
        allocatable: { cpu: '8', memory: '32Gi' },
      },
      {
        name: 'system-node',
        labels: { 'nanopod.dev/pool': 'system' },
        allocatable: { cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '8' },
      },
    ]).start();
    driver = new KubernetesDriver(options());
    harness = new ManagerHarness(() => new Map<string, RuntimeDriver>([['kubernetes', driver]]));
    await harness.manager.recover();
  });

  afterAll(async () => {
    await harness.close();
    await cluster.stop();
  });

  it('starts a sandbox as a restricted Pod with its GPUs, node selector and env, and no token', async () => {
    const spec = await harness.start(
      sandboxSpec({
        runtime: 'kubernetes',
        cpu: 2,
        memory_mb: 4096,
        gpus: 1,
        gpu_type: 'H100 SXM',
        env: { MODE: 'test' },
      }),
    );
    const pod = podOf(spec.sandbox_id)!;
    expect(pod).toBeDefined();
    expect(pod.metadata.namespace).toBe(NAMESPACE);
    expect(pod.metadata.name).toMatch(/^nanopod-sbx-test\d+-\d+-[0-9a-f]{8}$/);
    expect(pod.spec.nodeName).toBe('ib-node-1');
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.nodeSelector).toEqual({
      'nanopod.dev/pool': 'sandboxes',
      'nanopod.dev/gpu-type': 'h100-sxm',
    });
    const container = pod.spec.containers[0];
    const resources = { cpu: '2000m', memory: '4096Mi', 'nvidia.com/gpu': '1' };
    expect(container.resources).toEqual({ requests: resources, limits: resources });
    expect(container.image).toBe('registry.example/sandbox:1');
    expect(container.env).toEqual([{ name: 'MODE', value: 'test' }]);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
    });
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // Watched from the version it was created at, not polled.
    const watches = cluster.requests.filter(
      (r) => r.method === 'GET' && r.query.includes('watch=true'),
    );
    expect(watches.some((r) => r.query.includes(`metadata.name%3D${pod.metadata.name}`))).toBe(
      true,
    );
    expect(
      cluster.requests.filter((r) => r.method === 'GET' && r.path.endsWith(pod.metadata.name)),
    ).toEqual([]);
  });

  it('puts a CPU-only sandbox on a node of the selected pool without asking for GPUs', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'kubernetes', cpu: 0.5 }));
    const pod = podOf(spec.sandbox_id)!;
    expect(pod.spec.containers[0].resources!.limits).toEqual({ cpu: '500m', memory: '512Mi' });
    expect(pod.spec.nodeSelector).toEqual({ 'nanopod.dev/pool': 'sandboxes' });
    expect(['ib-node-1', 'cpu-node-1']).toContain(pod.spec.nodeName);
  });

  it('streams stdout and stderr of a command and reports its exit code', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'kubernetes', env: { MODE: 'pod' } }));
    const result = await harness.exec(
      spec.sandbox_id,
      [
        'sh',
        '-c',
        'echo "out $MODE $EXTRA $1"; echo err >&2; sleep 0.2; echo more; exit 3',
        'sh',
        'a b',
      ],
      { env: { EXTRA: 'x' } },
    );
    expect(result.stdout).toBe('out pod x a b\nmore\n');
    expect(result.stderr).toBe('err\n');
    expect(result.exit).toMatchObject({ exit_code: 3, signal: null });
    expect(result.exit.reason).toBeUndefined();
    // Streamed: the first line arrived in its own frame, before the sleep ended.
    expect(result.frames.length).toBeGreaterThanOrEqual(3);

    const ok = await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      'echo hi > note.txt && cat note.txt',
    ]);
    expect(ok.exit).toMatchObject({ exit_code: 0 });
    expect(ok.stdout).toBe('hi\n');
    expect(readFileSync(join(cluster.podDir(podOf(spec.sandbox_id)!), 'note.txt'), 'utf8')).toBe(
      'hi\n',
    );
  });

  it('kills a command at its wall limit, in the Pod too', async () => {
    const spec = await harness.start(
      sandboxSpec({
        runtime: 'kubernetes',
        limits: { memory_mb: 512, pids: 64, cpu_seconds: 30, wall_seconds: 1, disk_mb: 64 },
      }),
    );
    const started = Date.now();
    const result = await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      'echo started; sleep 2; echo late > late.txt',
    ]);
    expect(result.exit).toMatchObject({ exit_code: null, reason: 'wall_time_limit' });
    expect(result.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 2000));
    expect(existsSync(join(cluster.podDir(podOf(spec.sandbox_id)!), 'late.txt'))).toBe(false);
  });

  it('kills a cancelled command in the Pod', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'kubernetes' }));
    const id = harness.nextId();
    const exit = harness.waitFor((m) => m.type === 'exec.exit' && m.id === id);
    await harness.manager.handle({
      type: 'exec',
      id,
      sandbox_id: spec.sandbox_id,
      argv: ['sh', '-c', 'echo ready; sleep 2; echo late > late.txt'],
    });
    await harness.waitFor((m) => m.type === 'exec.output' && m.id === id);
    await harness.manager.handle({ type: 'exec.cancel', id });
    expect(await exit).toMatchObject({ exit_code: null, reason: 'cancelled' });
    const dir = cluster.podDir(podOf(spec.sandbox_id)!);
    await new Promise((r) => setTimeout(r, 2200));
    expect(existsSync(join(dir, 'late.txt'))).toBe(false);
  });

  it('fails a GPU request no node can hold with a clear reason, and leaves no Pod', async () => {
    const spec = sandboxSpec({ runtime: 'kubernetes', gpus: 4, gpu_type: 'h100-sxm' });
    const reply = await harness.request({ type: 'sandbox.start', id: harness.nextId(), spec });
    expect(reply).toMatchObject({ type: 'sandbox.state', state: 'failed' });
    expect((reply as { reason: string }).reason).toMatch(
      /no node of the cluster can run the sandbox: 0\/3 nodes are available: .*Insufficient nvidia\.com\/gpu/,
    );
    expect(podOf(spec.sandbox_id)).toBeUndefined();
    expect(
      (await driver.listPods()).filter(
        (p) => p.metadata?.labels?.[SANDBOX_LABEL] === spec.sandbox_id,
      ),
    ).toEqual([]);
  });

  it('fails a GPU type no node has', async () => {
    const spec = sandboxSpec({ runtime: 'kubernetes', gpus: 1, gpu_type: 'a100' });
    const reply = await harness.request({ type: 'sandbox.start', id: harness.nextId(), spec });
    expect((reply as { reason: string }).reason).toMatch(
      /didn't match Pod's node affinity\/selector/,
    );
    expect(podOf(spec.sandbox_id)).toBeUndefined();
  });

  it('stops by deleting the Pod, starts a fresh one, and deletes it for good', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'kubernetes' }));
    const first = podOf(spec.sandbox_id)!;
    const stopped = await harness.request({
      type: 'sandbox.stop',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      reason: 'idle',
    });
    expect(stopped).toMatchObject({ type: 'sandbox.state', state: 'stopped' });
    expect(podOf(spec.sandbox_id)).toBeUndefined();
    const refused = await harness.request({
      type: 'exec',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      argv: ['true'],
    });
    expect(refused).toMatchObject({ type: 'error', code: 'agent.sandbox_stopped' });
    const noFiles = await harness.request({
      type: 'file.list',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
    });
    expect(noFiles).toMatchObject({ type: 'error', code: 'agent.sandbox_stopped' });

    const restarted = await harness.request({ type: 'sandbox.start', id: harness.nextId(), spec });
    expect(restarted).toMatchObject({ state: 'running' });
    const second = podOf(spec.sandbox_id)!;
    expect(second.metadata.uid).not.toBe(first.metadata.uid);
    expect((await harness.exec(spec.sandbox_id, ['echo', 'back'])).stdout).toBe('back\n');

    await harness.request({
      type: 'sandbox.delete',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
    });
    expect(podOf(spec.sandbox_id)).toBeUndefined();
    const deletes = cluster.requests.filter(
      (r) => r.method === 'DELETE' && r.path.endsWith(`/pods/${second.metadata.name}`),
    );
    expect(deletes.at(-1)!.query).toContain('gracePeriodSeconds=0');
  });

  it('uploads, lists and downloads files through exec, binary intact', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'kubernetes', env: { MODE: 'k8s' } }));
    const script = Buffer.from('echo "mode=$MODE arg=$1" > out.txt; echo done; exit 4\n');
    const put = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'app/main.sh',
      data_base64: script.toString('base64'),
    });
    expect(put).toMatchObject({ type: 'file.put.ok', bytes: script.length });
    const result = await harness.exec(spec.sandbox_id, ['sh', 'app/main.sh', 'two words']);
    expect(result.stdout).toBe('done\n');
    expect(result.exit).toMatchObject({ exit_code: 4 });

    // Larger than one exec's chunk, every byte value.
    const blob = Buffer.alloc(150_000, 0).map((_, i) => (i * 7) % 256);
    const putBlob = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'data/blob.bin',
      data_base64: Buffer.from(blob).toString('base64'),
    });
    expect(putBlob).toMatchObject({ type: 'file.put.ok', bytes: blob.length });

    const list = await harness.request({
      type: 'file.list',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
    });
    const entries = (list as Extract<AgentMessage, { type: 'file.list.ok' }>).entries;
    expect(entries.map((e) => `${e.type}:${e.path}:${e.size}`)).toEqual([
      'dir:app:0',
      'dir:data:0',
      'file:out.txt:23',
    ]);

    const got = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'data/blob.bin',
    });
    const data = Buffer.from(
      (got as Extract<AgentMessage, { type: 'file.get.ok' }>).data_base64,
      'base64',
    );
    expect(data.equals(Buffer.from(blob))).toBe(true);
    const missing = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'nope',
    });
    expect(missing).toMatchObject({ type: 'error', code: 'agent.file_not_found' });
  });

  it('unpacks a tar.gz upload and refuses one that climbs out', async () => {
    const tar = await import('tar');
    const dir = mkdtempSync(join(tmpdir(), 'nanopod-k8s-tar-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.txt'), 'alpha');
    await tar.c({ gzip: true, file: join(dir, 'ok.tgz'), cwd: dir }, ['src']);
    const spec = await harness.start(sandboxSpec({ runtime: 'kubernetes' }));
    const ok = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'proj',
      archive: 'tar.gz',
      data_base64: readFileSync(join(dir, 'ok.tgz')).toString('base64'),
    });
    expect(ok).toMatchObject({ type: 'file.put.ok', bytes: 5 });
    expect((await harness.exec(spec.sandbox_id, ['cat', 'proj/src/a.txt'])).stdout).toBe('alpha');

    mkdirSync(join(dir, 'inner'));
    await tar.c(
      { gzip: true, file: join(dir, 'bad.tgz'), cwd: join(dir, 'inner'), preservePaths: true },
      ['../ok.tgz'],
    );
    const bad = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
      archive: 'tar.gz',
      data_base64: readFileSync(join(dir, 'bad.tgz')).toString('base64'),
    });
    expect(bad).toMatchObject({ type: 'error', code: 'agent.path_invalid' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a start with a clear reason when the token is wrong', async () => {
    const wrong = new KubernetesDriver(options({ token: 'not-the-token' }));
    const other = new ManagerHarness(() => new Map<string, RuntimeDriver>([['kubernetes', wrong]]));
    await other.manager.recover();
    const reply = await other.request({
      type: 'sandbox.start',
      id: 'x1',
      spec: sandboxSpec({ runtime: 'kubernetes' }),
    });
    expect(reply).toMatchObject({ type: 'sandbox.state', state: 'failed' });
    expect((reply as { reason: string }).reason).toMatch(/401 Unauthorized/);
    await other.close();
  });

  it('fails a start the cluster refuses as invalid, naming the field', async () => {
    const bad = new KubernetesDriver(options({ image: '' }));
    const other = new ManagerHarness(() => new Map<string, RuntimeDriver>([['kubernetes', bad]]));
    await other.manager.recover();
    const spec = sandboxSpec({ runtime: 'kubernetes' });
    const reply = await other.request({ type: 'sandbox.start', id: 'x2', spec });
    expect((reply as { reason: string }).reason).toMatch(
      /creating the sandbox Pod: Pod "nanopod-.*" is invalid: spec\.containers\[0\]\.image: Required value/,
    );
    expect(podOf(spec.sandbox_id)).toBeUndefined();
    await other.close();
  });

  it('reads a kubeconfig file, and fails clearly on one that is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanopod-kubeconfig-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        // The client refuses http:// unless TLS checks are off (there is no TLS to check).
        `clusters: [{name: fake, cluster: {server: "${cluster.url}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: agent, user: {token: "' + cluster.token + '"}}]',
        'contexts: [{name: fake, context: {cluster: fake, user: agent}}]',
        'current-context: fake',
      ].join('\n'),
    );
    const fromFile = new KubernetesDriver(
      options({ api_url: undefined, token: undefined, kubeconfig: file }),
    );
    const other = new ManagerHarness(
      () => new Map<string, RuntimeDriver>([['kubernetes', fromFile]]),
    );
    await other.manager.recover();
    const spec = await other.start(sandboxSpec({ runtime: 'kubernetes' }));
    expect(podOf(spec.sandbox_id)?.status.phase).toBe('Running');
    await other.close();

    writeFileSync(file, 'not: [a kubeconfig');
    const broken = new KubernetesDriver(
      options({ api_url: undefined, token: undefined, kubeconfig: file }),
    );
    const third = new ManagerHarness(
      () => new Map<string, RuntimeDriver>([['kubernetes', broken]]),
    );
    await third.manager.recover();
    const reply = await third.request({
      type: 'sandbox.start',
      id: 'x3',
      spec: sandboxSpec({ runtime: 'kubernetes' }),
    });
    expect(reply).toMatchObject({ type: 'sandbox.state', state: 'failed' });
    expect((reply as { reason: string }).reason).toContain(`kubeconfig ${file} cannot be read: `);
    await third.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('kubernetes settings of the node agent', () => {
  it('refuses incomplete or contradictory cluster settings, listing every problem', () => {
    let error: AgentConfigError | undefined;
    try {
      resolveAgentConfig({
        kubernetes_api_url: 'https://k8s.example:6443',
        kubernetes_kubeconfig: '/nonexistent/kubeconfig',
        kubernetes_namespace: 'Not_A_Namespace',
        kubernetes_node_selector: '["not", "an object"]',
      });
    } catch (err) {
      error = err as AgentConfigError;
    }
    expect(error).toBeInstanceOf(AgentConfigError);
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        'kubernetes_node_selector: expected an object of strings',
        'kubernetes_token is required when kubernetes_api_url is set',
        'set kubernetes_kubeconfig or kubernetes_api_url, not both',
        'kubernetes_kubeconfig: no file at /nonexistent/kubeconfig',
        'kubernetes_namespace: "Not_A_Namespace" is not a valid namespace name',
      ]),
    );
  });

  it('offers the kubernetes runtime when a cluster is configured, with the node selector parsed', () => {
    const config = resolveAgentConfig({
      state_dir: mkdtempSync(join(tmpdir(), 'nanopod-k8s-config-')),
      bwrap_bin: '/nonexistent/bwrap',
      kubernetes_api_url: 'https://k8s.example:6443',
      kubernetes_token: 'secret',
      kubernetes_node_selector: '{"nanopod.dev/pool":"ib"}',
    });
    expect(config.kubernetes_node_selector).toEqual({ 'nanopod.dev/pool': 'ib' });
    expect(config.kubernetes_namespace).toBe('nanopod-sandboxes');
    const drivers = createDrivers(config, createAgentLogger('silent'));
    expect([...drivers.keys()]).toEqual(['kubernetes']);
    expect(drivers.get('kubernetes')).toBeInstanceOf(KubernetesDriver);
    rmSync(config.state_dir, { recursive: true, force: true });
  });
});
