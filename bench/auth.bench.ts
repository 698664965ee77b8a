import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseBenchArgs, printTable, writeBenchJson } from './lib/bench-args';
import { startPlatformProcess, type PlatformProcess } from './lib/platform-process';
import { startBareServer } from './lib/bare-process';
import { obtainAccessToken } from './lib/access-token';
import { summarizeCpuProfile } from './lib/cpu-profile';
import { load, median, type LoadResult, type LoadTarget } from './lib/load';

/**
 * bench:auth — the request path against the bare frameworks, in one run: a bare Node `http`
 * server and a bare Express 5 app (each in its own process) and the platform's `/healthz`,
 * `/v1/me` with an API key and `/v1/me` with a realm bearer token. The load generator
 * (autocannon) runs in this process, never in a server's. Besides req/s (which on a shared
 * machine moves with the neighbours' load) it reports each server's CPU time per request, read
 * from /proc: the steadier measure of what the request path costs.
 *
 *   npm run bench:auth -- [--seconds 6] [--rounds 3] [--connections 16] [--json FILE]
 *   npm run bench:auth -- --cpu-prof apikey|jwt|healthz [--seconds 10]
 *     profiles the platform under that load alone (node --cpu-prof) and prints the top
 *     self-time frames and packages of the load window.
 */

type Target = 'bare_http' | 'bare_express' | 'healthz' | 'apikey' | 'jwt';

interface Endpoint extends LoadTarget {
  label: string;
  pid: number;
}

async function platformEndpoints(
  platform: PlatformProcess,
): Promise<Record<'healthz' | 'apikey' | 'jwt', Endpoint>> {
  const jwt = await obtainAccessToken(platform.url, 'bench-user');
  const pid = platform.child.pid!;
  return {
    healthz: { label: 'GET /healthz', url: `${platform.url}/healthz`, headers: {}, pid },
    apikey: {
      pid,
      label: 'GET /v1/me (API key)',
      url: `${platform.url}/v1/me`,
      headers: { authorization: `Bearer ${platform.adminKey}` },
    },
    jwt: {
      pid,
      label: 'GET /v1/me (bearer JWT)',
      url: `${platform.url}/v1/me`,
      headers: { authorization: `Bearer ${jwt}` },
    },
  };
}

/** Warm-up: JIT, key cache, JWKS fetch; answers must be 2xx or the figures mean nothing. */
async function warm(endpoints: Endpoint[]): Promise<void> {
  for (const e of endpoints) {
    const r = await load(e, 1, 4);
    if (r.errors > 0 || r.non2xx > 0)
      throw new Error(`${e.label}: ${r.errors} errors, ${r.non2xx} non-2xx answers in warm-up`);
  }
}

async function profile(target: 'healthz' | 'apikey' | 'jwt', seconds: number, connections: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'nanopod-cpuprof-'));
  const platform = await startPlatformProcess(
    {},
    { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] },
  );
  let stopMs = 0;
  let result: LoadResult;
  try {
    const endpoints = await platformEndpoints(platform);
    await warm([endpoints[target]]);
    result = await load(endpoints[target], seconds, connections);
  } finally {
    const stopAt = Date.now();
    // The profile is written at exit: give a loaded machine time to get there.
    await platform.stop(60_000);
    stopMs = Date.now() - stopAt;
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const summary = summarizeCpuProfile(path.join(dir, file), {
    skipEndMs: stopMs + 500,
    lengthMs: seconds * 1000 - 1000,
  });
  process.stdout.write(
    `\ncpu profile of ${target} under load: ${result.rps.toFixed(0)} req/s, ${summary.total.toFixed(0)} ms on CPU in the window\nprofile: ${path.join(dir, file)}\n\nby package (self time)\n`,
  );
  printTable(
    ['package', 'ms', 'share'],
    summary.owners.map((o) => [o.name, o.ms, `${(o.share * 100).toFixed(1)}%`]),
  );
  process.stdout.write('\ntop frames (self time)\n');
  printTable(
    ['frame', 'ms', 'share'],
    summary.frames.map((o) => [o.name, o.ms, `${(o.share * 100).toFixed(1)}%`]),
  );
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const connections = Number(args.connections ?? 16);
  const target = args['cpu-prof'];
  if (target) {
    if (target !== 'healthz' && target !== 'apikey' && target !== 'jwt')
      throw new Error('--cpu-prof takes healthz, apikey or jwt');
    return profile(target, Number(args.seconds ?? 10), connections);
  }
  const seconds = Number(args.seconds ?? 6);
  const rounds = Number(args.rounds ?? 3);
  const slice = Math.max(1, Math.round(seconds / rounds));

  const stoppers: Array<() => Promise<void>> = [];
  try {
    const bareHttp = await startBareServer('http');
    stoppers.push(() => bareHttp.stop());
    const bareExpress = await startBareServer('express');
    stoppers.push(() => bareExpress.stop());
    const platform = await startPlatformProcess();
    stoppers.push(() => platform.stop());
    const endpoints: Record<Target, Endpoint> = {
      bare_http: { label: 'bare Node http', url: bareHttp.url, headers: {}, pid: bareHttp.pid },
      bare_express: {
        label: 'bare Express 5',
        url: bareExpress.url,
        headers: {},
        pid: bareExpress.pid,
      },
      ...(await platformEndpoints(platform)),
    };
    const targets = Object.keys(endpoints) as Target[];
    await warm(targets.map((t) => endpoints[t]));

    // Interleaved rounds, median per target: on a shared machine load comes and goes, and
    // measuring each target in one block would skew the ratios.
    const runs = Object.fromEntries(targets.map((t) => [t, [] as LoadResult[]])) as Record<
      Target,
      LoadResult[]
    >;
    for (let i = 0; i < rounds; i++) {
      for (const t of targets) runs[t].push(await load(endpoints[t], slice, connections));
    }
    const r = Object.fromEntries(targets.map((t) => [t, median(runs[t])])) as Record<
      Target,
      LoadResult
    >;
    for (const t of targets) {
      if (r[t].errors > 0 || r[t].non2xx > 0)
        throw new Error(`${t}: ${r[t].errors} errors, ${r[t].non2xx} non-2xx answers`);
    }

    const express = r.bare_express.rps;
    const healthz = r.healthz.rps;
    process.stdout.write(
      `\nbench:auth — ${connections} connections, ${rounds} interleaved rounds of ${slice}s per target (medians), database ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}\n\n`,
    );
    printTable(
      [
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        'to bare Express',
        'to /healthz',
        'CPU µs/req',
        'CPU: bare Express / this',
      ],
      targets.map((t) => [
        endpoints[t].label,
        r[t].rps,
        r[t].p50,
        r[t].p99,
        r[t].rps / express,
        r[t].rps / healthz,
        r[t].cpuUs,
        r.bare_express.cpuUs / r[t].cpuUs,
      ]),
    );
    const goals: Array<[string, number, number]> = [
      ['apikey_to_bare_express', r.apikey.rps / express, 1.0],
      ['apikey_to_healthz', r.apikey.rps / healthz, 0.9],
      ['apikey_cpu_to_bare_express', r.bare_express.cpuUs / r.apikey.cpuUs, 1.0],
      ['apikey_cpu_to_healthz', r.healthz.cpuUs / r.apikey.cpuUs, 0.9],
    ];
    process.stdout.write('\n');
    printTable(
      ['ratio', 'value', 'goal', ''],
      goals.map(([name, value, goal]) => [
        name,
        value,
        `>= ${goal}`,
        value >= goal ? 'met' : 'NOT met',
      ]),
    );
    writeBenchJson(args.json, 'auth', {
      bare_http_rps: r.bare_http.rps,
      bare_express_rps: express,
      healthz_rps: healthz,
      apikey_rps: r.apikey.rps,
      jwt_rps: r.jwt.rps,
      apikey_to_bare_express: r.apikey.rps / express,
      apikey_to_healthz: r.apikey.rps / healthz,
      jwt_to_bare_express: r.jwt.rps / express,
      healthz_to_bare_express: healthz / express,
      bare_http_p99_ms: r.bare_http.p99,
      bare_express_p99_ms: r.bare_express.p99,
      healthz_p99_ms: r.healthz.p99,
      apikey_p50_ms: r.apikey.p50,
      apikey_p99_ms: r.apikey.p99,
      jwt_p99_ms: r.jwt.p99,
      bare_http_cpu_us: r.bare_http.cpuUs,
      bare_express_cpu_us: r.bare_express.cpuUs,
      healthz_cpu_us: r.healthz.cpuUs,
      apikey_cpu_us: r.apikey.cpuUs,
      jwt_cpu_us: r.jwt.cpuUs,
      apikey_cpu_to_bare_express: r.bare_express.cpuUs / r.apikey.cpuUs,
      apikey_cpu_to_healthz: r.healthz.cpuUs / r.apikey.cpuUs,
    });
  } finally {
    for (const stop of stoppers.reverse()) await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:auth failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
