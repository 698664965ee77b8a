import { ManualClock } from '@nanopod/common';
import { enrollNode, startNodeAgent, NodeAgent } from '@nanopod/node-agent';
import { NodesService } from '@nanopod/federation';
import { ServingReconciler } from '@nanopod/serving';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { enrollmentToken, fund } from '../../../../test/e2e/support/node-agent-process';
import { startTestPlatform, TestPlatform, TestUser } from '../../../../test/support/test-platform';

/**
 * The replica every serving test runs: a tiny HTTP server in Node, started by the spec's `run`
 * inside its sandbox. `/health` is the probe; `/stream` sends three chunks with gaps; other
 * paths answer `replica <ID> <method> <path> <body>`.
 */
export const REPLICA_SERVER = [
  "const http = require('http');",
  'http.createServer((q, r) => {',
  "  if (q.url === '/health') return r.end('ok');",
  "  if (q.url === '/stream') { let i = 0; r.writeHead(200); const t = setInterval(() => { r.write('chunk' + i + '\\n'); if (++i === 3) { clearInterval(t); r.end(); } }, 30); return; }",
  "  let b = ''; q.on('data', (d) => (b += d)); q.on('end', () => r.end('replica ' + process.env.REPLICA_TAG + ' ' + q.method + ' ' + q.url + ' ' + b));",
  "}).listen(Number(process.env.PORT), '0.0.0.0');",
].join('\n');

export function specYaml(
  service: string,
  extra: { envs?: Record<string, string>; resources?: string } = {},
): string {
  const envs = { REPLICA_TAG: 'v1', ...extra.envs };
  return [
    'service:',
    ...service.split('\n').map((l) => `  ${l}`),
    `resources: {ports: 8080, cpus: 0.25, memory: 1Gi${extra.resources ? `, ${extra.resources}` : ''}}`,
    'setup: |',
    "  cat > server.js <<'EOF'",
    ...REPLICA_SERVER.split('\n').map((l) => `  ${l}`),
    '  EOF',
    'run: node server.js',
    'envs:',
    ...Object.entries(envs).map(([k, v]) => `  ${k}: ${v}`),
    '',
  ].join('\n');
}

export interface ServingFixture {
  platform: TestPlatform;
  /** The manual clock (with `clock: 'system'`, moving it is refused). */
  clock: ManualClock;
  admin: TestUser;
  alice: TestUser;
  controller: ServingReconciler;
  /** The enrolled nodes' ids, in enrollment order (one unless `nodes` asked for more). */
  nodeIds: string[];
  /**
   * Moves the manual clock, then waits for the agent's next heartbeat so the node is healthy at
   * the new time (otherwise the platform would judge it silent and place nothing there).
   */
  advance(ms: number): Promise<void>;
  /** One controller pass, then the launches and stops it started. */
  pass(): Promise<void>;
  /** Passes until `check` holds (each a few ms apart: replicas are real processes). */
  until<T>(
    what: string,
    check: () => Promise<T | false | null | undefined>,
    ms?: number,
  ): Promise<T>;
  status(name: string, user?: TestUser): Promise<ServiceBody>;
  close(): Promise<void>;
}

export interface ServiceBody {
  status: string;
  ready_replicas: number;
  total_replicas: number;
  target_replicas: number;
  version: number;
  last_cold_start_ms: number | null;
  replicas: Array<{ replica_id: number; status: string; pricing: string; version: number }>;
}

/** A platform on a manual clock with a real node agent in this process (bwrap sandboxes). */
export async function startServingFixture(
  options: {
    clock?: 'manual' | 'system';
    env?: Record<string, string>;
    nodes?: number;
    /** More agent configuration (e.g. `gpus` for nodes that report GPUs). */
    agentConfig?: Record<string, unknown>;
  } = {},
): Promise<ServingFixture> {
  const platform = await startTestPlatform({
    clock: options.clock === 'system' ? undefined : 'manual',
    env: {
      // Heartbeats come often: after the test moves the clock, the node is heard at the new time.
      NANOPOD_NODE_HEARTBEAT_MS: '200',
      ...(process.env.NANOPOD_LOG_LEVEL
        ? { NANOPOD_LOG_LEVEL: process.env.NANOPOD_LOG_LEVEL }
        : {}),
      ...options.env,
    },
  });
  const clock = platform.clock as ManualClock;
  const admin = await platform.createUser({ roles: ['admin', 'developer'] });
  const alice = await platform.createUser();
  await fund(platform, admin, alice);
  const agents: NodeAgent[] = [];
  const stateDirs: string[] = [];
  const nodeIds: string[] = [];
  try {
    for (let i = 0; i < (options.nodes ?? 1); i++) {
      const stateDir = mkdtempSync(path.join(tmpdir(), 'nanopod-serving-agent-'));
      stateDirs.push(stateDir);
      const token = await enrollmentToken(platform, admin);
      await enrollNode({
        url: platform.url,
        token,
        config: {
          state_dir: stateDir,
          name: `serving-${process.pid}-${i}`,
          log_level: 'error',
          ...options.agentConfig,
        },
      });
      const agent = await startNodeAgent({
        config: {
          state_dir: stateDir,
          url: platform.url,
          log_level: 'error',
          ...options.agentConfig,
        },
      });
      agents.push(agent);
      await agent.whenConnected();
      nodeIds.push(agent.nodeId);
    }
  } catch (err) {
    for (const agent of agents) await agent.stop();
    await platform.close();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const controller = platform.app.get(ServingReconciler);
  const pass = async () => {
    await controller.runOnce();
    await controller.settle();
  };
  const status = async (name: string, user = alice) => {
    const res = await platform.http().get(`/v1/services/${name}`).set(user.auth);
    if (res.status !== 200) throw new Error(`status: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as ServiceBody;
  };
  return {
    platform,
    clock,
    admin,
    alice,
    controller,
    nodeIds,
    pass,
    status,
    async advance(ms) {
      clock.advance(ms);
      const target = clock.now().getTime();
      const nodes = platform.app.get(NodesService);
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline) {
        const heard = await nodes.lastHeard(nodeIds);
        if (nodeIds.every((id) => (heard.get(id)?.getTime() ?? 0) >= target)) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the node was not heard after the clock moved');
    },
    async until(what, check, ms = 15000) {
      const deadline = Date.now() + ms;
      for (;;) {
        await pass();
        const v = await check();
        if (v) return v;
        if (Date.now() > deadline) {
          // What the services look like and what their replicas said, to see why.
          const list = await platform.http().get('/v1/services').set(alice.auth);
          const said: string[] = [];
          for (const svc of list.body.data ?? []) {
            const logs = await platform.http().get(`/v1/services/${svc.name}/logs`).set(alice.auth);
            said.push(JSON.stringify(svc.replicas), String(logs.body.logs).slice(-2000));
          }
          throw new Error(`timed out waiting for ${what}\n${said.join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const agent of agents) await agent.stop();
      await platform.close();
      for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
