import WebSocket from 'ws';
import type {
  EnrollResponse,
  ExposedPort,
  NodeContainment,
  NodeInventory,
  PlatformMessage,
  SandboxSpec,
} from '@nanopod/federation';

/** Everything a bwrap node can enforce, as a fully contained agent reports it. */
export const FULL_CONTAINMENT: NodeContainment = {
  cgroup_version: 1,
  cgroup_memory: true,
  cgroup_pids: true,
  cgroup_cpu: true,
  netns_egress: true,
  disk_quota: true,
  seccomp: true,
  userns_disable: true,
};

export function fakeInventory(over: Partial<NodeInventory> = {}): NodeInventory {
  return {
    hostname: 'fake-host',
    cpu_cores: 64,
    memory_mb: 262144,
    disk_gb: 100,
    gpus: [],
    power_watts: 1440,
    vpn_address: '10.8.0.9',
    zone: 'fake-zone',
    labels: {},
    kind: 'federated',
    workload_classes: ['latency_tolerant'],
    runtimes: ['bwrap'],
    agent_version: '0.1.0-test',
    ...over,
  };
}

/**
 * An agent speaking the protocol over the real channel, answering every start with `running`
 * after `startDelayMs` (the window in which unlocked admission would let creates through),
 * every stop with `stopped`, and every exec by echoing its argv (exit 0).
 */
export function connectFakeAgent(
  url: string,
  node: EnrollResponse,
  startDelayMs = 30,
  seen?: (msg: PlatformMessage) => void,
  /** What the agent says it forwarded for a start that asked for ports (a node may lie). */
  forwards?: (spec: SandboxSpec) => ExposedPort[],
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${url.replace('http', 'ws')}/v1/agent/nodes/${node.node_id}/channel`,
      {
        headers: { authorization: `Bearer ${node.credential}` },
      },
    );
    ws.on('message', (data) => {
      const msg = JSON.parse((data as Buffer).toString()) as PlatformMessage;
      seen?.(msg);
      if (msg.type === 'welcome') {
        ws.send(
          JSON.stringify({
            type: 'hello',
            node_id: node.node_id,
            agent_version: 't',
            sandboxes: [],
          }),
        );
        resolve(ws);
      } else if (msg.type === 'sandbox.start') {
        const reply = {
          type: 'sandbox.state',
          id: msg.id,
          sandbox_id: msg.spec.sandbox_id,
          state: 'running',
          ...(forwards && msg.spec.ports?.length ? { ports: forwards(msg.spec) } : {}),
        };
        setTimeout(() => ws.send(JSON.stringify(reply)), startDelayMs);
      } else if (msg.type === 'exec') {
        // Echoes its argv, like `echo`, and exits 0.
        const data_base64 = Buffer.from(`${msg.argv.join(' ')}\n`).toString('base64');
        ws.send(JSON.stringify({ type: 'exec.output', id: msg.id, stream: 'stdout', data_base64 }));
        ws.send(
          JSON.stringify({
            type: 'exec.exit',
            id: msg.id,
            exit_code: 0,
            signal: null,
            duration_ms: 1,
          }),
        );
      } else if (msg.type === 'sandbox.stop' || msg.type === 'sandbox.delete') {
        ws.send(
          JSON.stringify({
            type: 'sandbox.state',
            id: msg.id,
            sandbox_id: msg.sandbox_id,
            state: 'stopped',
          }),
        );
      }
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
