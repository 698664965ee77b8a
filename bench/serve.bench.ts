/**
 * `npm run bench:serve [-- --json FILE] [--cold-runs 5] [--requests 400] [--seconds 3]`: the
 * serving path on this machine, in process (platform on PGlite, a real node agent, replicas are
 * a tiny Node HTTP server in bwrap sandboxes):
 *
 * - cold_start_p50_ms: a request to a service at zero (min_replicas 0) until its answer: the
 *   replica's sandbox, netns, `run` and first READY probe. Goal < 1000 ms for a process replica.
 * - proxy_overhead_p50_ms: sequential GETs through `/s/{service}/` minus the same GETs straight
 *   to the replica's forwarded port (the baseline).
 * - proxy_rps_ratio: requests/s through the proxy over direct, 32 concurrent keep-alive clients
 *   in a separate process (the platform, its PGlite and the agent share one event loop here).
 *   Goal >= 0.8.
 *   Baseline in the same run: a bare Node `http` proxy in its own process in front of the same
 *   replica (bare_proxy_rps_ratio), the ceiling for any proxy written in Node on this machine.
 * - scale_up_reaction_s: from the start of a load step (50 rps against a target of 5 QPS per
 *   replica, upscale delay 0) until the second replica is READY. The rate is averaged over
 *   SkyServe's 60 s window, so most of it is the window filling.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { LoadBalancer } from '@nanopod/serving';
import { parseBenchArgs, printTable, summarize, writeBenchJson } from './lib/bench-args';
import { specYaml, startServingFixture } from '../libs/serving/test/support/serving-fixture';

const args = parseBenchArgs();
const COLD_RUNS = Number(args['cold-runs'] ?? 5);
const REQUESTS = Number(args.requests ?? 400);
const SECONDS = Number(args.seconds ?? 3);

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, { agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - t0)
          : reject(new Error(`${url}: HTTP ${res.statusCode} ${body}`)),
      );
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Requests/s against `url` from a separate Node process (plain JS, no compile): the load must
 * not share the platform's event loop, or the proxy would be charged for the client's work.
 */
const LOAD_SCRIPT = `
const http = require('http');
const [url, seconds, concurrency] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const until = Date.now() + Number(seconds) * 1000;
let n = 0;
const one = () => new Promise((ok, ko) => http.get(url, { agent }, (r) => { r.resume(); r.on('end', ok); }).on('error', ko));
Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  while (Date.now() < until) { await one(); n++; }
})).then(() => { process.stdout.write(String(n / Number(seconds))); agent.destroy(); });
`;

/**
 * The floor a Node proxy can reach here: a bare `http` proxy (no routing, no counting, no
 * retries) in its own process in front of the same replica port. Printed as a baseline.
 */
const BARE_PROXY_SCRIPT = `
const http = require('http');
const [host, port] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const server = http.createServer((req, res) => {
  const up = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers, agent }, (u) => { res.writeHead(u.statusCode, u.headers); u.pipe(res); });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function bareProxy(host: string, port: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', BARE_PROXY_SCRIPT, host, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listening = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bare proxy exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${listening}`, stop: () => child.kill() };
}

function rps(url: string, seconds: number, concurrency = 32): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-e', LOAD_SCRIPT, url, String(seconds), String(concurrency)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

const note = (msg: string) => process.stderr.write(`bench:serve ${msg}\n`);

/** Polls `check` until it holds; fails the bench past `ms` (a stuck phase says which). */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 60000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const f = await startServingFixture({ clock: 'system' });
  // The controller's beat (it does not tick by itself in NANOPOD_ENV=test).
  const beat = setInterval(() => void f.controller.runOnce().catch(() => undefined), 250);
  const up = async (name: string, service: string) => {
    const res = await f.platform
      .http()
      .post('/v1/services')
      .set(f.alice.auth)
      .send({ name, spec: specYaml(service) });
    if (res.status !== 201) throw new Error(`serve up: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const downAndWait = async (name: string) => {
    await f.platform.http().delete(`/v1/services/${name}`).set(f.alice.auth);
    await waitFor(
      `${name} down`,
      async () =>
        (await f.platform.http().get(`/v1/services/${name}`).set(f.alice.auth)).status === 404,
    );
  };
  try {
    // Cold starts: a fresh service at zero each run.
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const name = `cold-${i}`;
      await up(
        name,
        'readiness_probe: /health\nreplica_policy: {min_replicas: 0, max_replicas: 1, target_qps_per_replica: 1}',
      );
      await f.controller.runOnce();
      cold.push(await get(`${f.platform.url}/s/${name}/x`));
      note(`cold start ${i + 1}/${COLD_RUNS}: ${cold[i].toFixed(0)} ms`);
      await downAndWait(name);
    }

    // Proxy vs direct on one READY replica.
    await up('hot', 'readiness_probe: /health\nreplicas: 1');
    const lb = f.platform.app.get(LoadBalancer);
    await waitFor('hot READY', () => lb.pick('hot', 'least_load') !== null);
    const ep = lb.pick('hot', 'least_load')!;
    const proxied = `${f.platform.url}/s/hot/bench`;
    const direct = `http://${ep.host}:${ep.port}/bench`;
    for (let i = 0; i < 50; i++) await Promise.all([get(proxied), get(direct)]);
    const viaProxy: number[] = [];
    const viaDirect: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      viaProxy.push(await get(proxied));
      viaDirect.push(await get(direct));
    }
    const bare = await bareProxy(ep.host, ep.port);
    // Two rounds, interleaved, so a slow moment of the machine does not land on one side only.
    let rpsDirect = 0;
    let rpsProxy = 0;
    let rpsBare = 0;
    try {
      for (let round = 0; round < 2; round++) {
        rpsDirect += (await rps(direct, SECONDS)) / 2;
        rpsProxy += (await rps(proxied, SECONDS)) / 2;
        rpsBare += (await rps(`${bare.url}/bench`, SECONDS)) / 2;
      }
    } finally {
      bare.stop();
    }
    note(
      `throughput: ${rpsProxy.toFixed(0)} req/s proxied, ${rpsDirect.toFixed(0)} direct, ${rpsBare.toFixed(0)} through a bare Node proxy`,
    );
    await downAndWait('hot');

    // Reaction to a load step.
    await up(
      'step',
      'readiness_probe: /health\nreplica_policy: {min_replicas: 1, max_replicas: 2, target_qps_per_replica: 5, upscale_delay_seconds: 0}',
    );
    await waitFor('step READY', () => lb.pick('step', 'least_load') !== null);
    const stepStart = performance.now();
    let reacted = 0;
    const load = (async () => {
      while (!reacted) {
        const t = performance.now();
        await get(`${f.platform.url}/s/step/load`);
        await new Promise((r) => setTimeout(r, Math.max(0, 20 - (performance.now() - t))));
      }
    })();
    try {
      await waitFor(
        'a second replica READY under load',
        async () => (await f.status('step')).ready_replicas >= 2,
        120000,
      );
    } finally {
      reacted = (performance.now() - stepStart) / 1000;
    }
    await load;
    note(`scale-up reaction: ${reacted.toFixed(1)} s`);
    await downAndWait('step');

    const c = summarize(cold);
    const p = summarize(viaProxy);
    const d = summarize(viaDirect);
    const overhead = summarize(viaProxy.map((v, i) => v - viaDirect[i]));
    printTable(
      ['metric', 'p50', 'p99', 'baseline p50', 'ratio / note'],
      [
        ['cold start (ms)', c.p50, c.p99, '-', `goal < 1000 (n=${c.n})`],
        ['GET via proxy (ms)', p.p50, p.p99, d.p50, `direct to the replica (n=${p.n})`],
        ['proxy overhead (ms)', overhead.p50, overhead.p99, '-', 'proxy minus direct, per pair'],
        [
          'throughput (req/s)',
          rpsProxy,
          '-',
          rpsDirect,
          `${(rpsProxy / rpsDirect).toFixed(2)} (goal >= 0.8)`,
        ],
        [
          'bare Node proxy (req/s)',
          rpsBare,
          '-',
          rpsDirect,
          `${(rpsBare / rpsDirect).toFixed(2)} (what any Node proxy reaches here)`,
        ],
        ['scale-up reaction (s)', reacted, '-', '-', '50 rps vs 5 QPS/replica, 60 s window'],
      ],
    );
    writeBenchJson(args.json, 'serve', {
      cold_start_p50_ms: c.p50,
      cold_start_p99_ms: c.p99,
      proxy_overhead_p50_ms: overhead.p50,
      proxy_overhead_p99_ms: overhead.p99,
      proxy_rps: rpsProxy,
      direct_rps: rpsDirect,
      proxy_rps_ratio: rpsProxy / rpsDirect,
      bare_proxy_rps: rpsBare,
      bare_proxy_rps_ratio: rpsBare / rpsDirect,
      proxy_to_bare_proxy: rpsProxy / rpsBare,
      scale_up_reaction_s: reacted,
    });
  } finally {
    clearInterval(beat);
    agent.destroy();
    await f.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
