/**
 * Sandbox start latency: create -> first output of `true` through the API (POST /v1/sandboxes,
 * then POST /exec streaming NDJSON; the clock stops at the first line), against a bare
 * `bwrap ... true` spawn on the same machine, in one run. Sandboxes without network and egress
 * sandboxes (their own netns with pasta and a filter, made at create) are measured separately,
 * interleaved so both see the same machine load.
 *
 *   npm run bench:sandbox [-- --runs 50 --json FILE]
 */
import { spawn } from 'node:child_process';
import { parseBenchArgs, printTable, summarize, writeBenchJson } from './lib/bench-args';
import { startPlatformProcess } from './lib/platform-process';

const BARE_BWRAP = [
  '--unshare-all',
  '--die-with-parent',
  '--ro-bind',
  '/',
  '/',
  '--proc',
  '/proc',
  '--dev',
  '/dev',
  '--tmpfs',
  '/tmp',
  'true',
];

function bwrapOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('bwrap', BARE_BWRAP, { stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`bwrap exited ${code}`)),
    );
  });
}

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function apiOnce(
  url: string,
  auth: Record<string, string>,
  network: 'none' | 'egress' = 'none',
): Promise<{ total: number; create: number; agent: number }> {
  const t0 = performance.now();
  const sb = await json<{ id: string; state: string; reason: string | null }>(
    await fetch(`${url}/v1/sandboxes`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ttl_seconds: 300, network }),
    }),
  );
  if (sb.state !== 'running') throw new Error(`sandbox ${sb.state} (${sb.reason})`);
  const created = performance.now() - t0;
  const res = await fetch(`${url}/v1/sandboxes/${sb.id}/exec`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ argv: ['true'] }),
  });
  const reader = res.body!.getReader();
  const first = await reader.read();
  const elapsed = performance.now() - t0;
  if (first.done) throw new Error('exec answered nothing');
  let text = new TextDecoder().decode(first.value);
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    text += new TextDecoder().decode(next.value);
  }
  // The exit line's duration_ms: the agent's own spawn -> exit of the command.
  const exit = JSON.parse(text.trim().split('\n').pop()!) as { duration_ms?: number };
  await fetch(`${url}/v1/sandboxes/${sb.id}`, { method: 'DELETE', headers: auth });
  return { total: elapsed, create: created, agent: exit.duration_ms ?? NaN };
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const runs = Number(args.runs ?? 50);
  const warmup = 3;

  const bwrap: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const ms = await bwrapOnce();
    if (i >= warmup) bwrap.push(ms);
  }

  // The embedded default: the platform in its own process with its local bubblewrap node.
  // NANOPOD_AGENT_EGRESS_POOL=0 measures egress without the agent's ready namespaces, and
  // NANOPOD_AGENT_WARM_POOL=0 sandboxes without warm ones.
  const platform = await startPlatformProcess({
    NANOPOD_LOCAL_NODE_AGENT: 'true',
    ...(process.env.NANOPOD_AGENT_EGRESS_POOL
      ? { NANOPOD_AGENT_EGRESS_POOL: process.env.NANOPOD_AGENT_EGRESS_POOL }
      : {}),
    ...(process.env.NANOPOD_AGENT_WARM_POOL
      ? { NANOPOD_AGENT_WARM_POOL: process.env.NANOPOD_AGENT_WARM_POOL }
      : {}),
  });
  try {
    const auth = { authorization: `Bearer ${platform.adminKey}` };
    const me = await json<{ id: string }>(await fetch(`${platform.url}/v1/me`, { headers: auth }));
    // Full-price sandboxes need credits to pass the subsidy policy's balance check.
    await json(
      await fetch(`${platform.url}/v1/billing/admin/top-ups`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          user_id: me.id,
          amount: 1_000_000,
          idempotency_key: `bench-${Date.now()}`,
        }),
      }),
    );
    const deadline = Date.now() + 30000;
    for (;;) {
      const nodes = await json<{ data: Array<{ connected: boolean; health: string }> }>(
        await fetch(`${platform.url}/v1/nodes`, { headers: auth }),
      );
      // Schedulable: connected and healthy (its first heartbeat can lag on a loaded machine).
      if (nodes.data.some((n) => n.connected && n.health === 'healthy')) break;
      if (Date.now() > deadline) throw new Error('the local node agent never connected');
      await new Promise((r) => setTimeout(r, 100));
    }
    const api: number[] = [];
    const creates: number[] = [];
    const agents: number[] = [];
    const egressApi: number[] = [];
    const egressCreates: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const ms = await apiOnce(platform.url, auth);
      const eg = await apiOnce(platform.url, auth, 'egress');
      if (i < warmup) continue;
      api.push(ms.total);
      creates.push(ms.create);
      agents.push(ms.agent);
      egressApi.push(eg.total);
      egressCreates.push(eg.create);
    }
    const a = summarize(api);
    const c = summarize(creates);
    const e = summarize(api.map((t, i) => t - creates[i]));
    const g = summarize(agents);
    const b = summarize(bwrap);
    const x = summarize(egressApi);
    const xc = summarize(egressCreates);
    printTable(
      ['path', 'runs', 'p50 ms', 'p99 ms', 'mean ms', 'x bare bwrap (p50)'],
      [
        ['API create -> first output of `true`', a.n, a.p50, a.p99, a.mean, a.p50 / b.p50],
        ['  of which POST /v1/sandboxes (running)', c.n, c.p50, c.p99, c.mean, c.p50 / b.p50],
        ['  of which POST /exec -> first line', e.n, e.p50, e.p99, e.mean, e.p50 / b.p50],
        ['    of which agent spawn -> exit (reported)', g.n, g.p50, g.p99, g.mean, g.p50 / b.p50],
        ['egress sandbox: API create -> first output', x.n, x.p50, x.p99, x.mean, x.p50 / b.p50],
        ['  of which POST /v1/sandboxes (running)', xc.n, xc.p50, xc.p99, xc.mean, xc.p50 / b.p50],
        ['bare `bwrap ... true` spawn', b.n, b.p50, b.p99, b.mean, 1],
      ],
    );
    process.stdout.write(`goal: API p50 < 90 ms -> ${a.p50 < 90 ? 'met' : 'not met'}\n`);
    writeBenchJson(args.json, 'sandbox', {
      api_p50_ms: a.p50,
      api_p99_ms: a.p99,
      api_egress_p50_ms: x.p50,
      api_egress_p99_ms: x.p99,
      bwrap_p50_ms: b.p50,
      api_to_bwrap: a.p50 / b.p50,
    });
  } finally {
    await platform.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:sandbox failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
