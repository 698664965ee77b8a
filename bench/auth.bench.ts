import autocannon from 'autocannon';
import { parseBenchArgs, printTable, writeBenchJson } from './lib/bench-args';
import { startPlatformProcess } from './lib/platform-process';
import { obtainAccessToken } from './lib/access-token';

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const result = await autocannon({ url, headers, duration: seconds, connections, pipelining: 1 });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** The median of each figure over the rounds; errors are summed. */
function median(results: LoadResult[]): LoadResult {
  const mid = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    rps: mid(results.map((r) => r.rps)),
    p50: mid(results.map((r) => r.p50)),
    p99: mid(results.map((r) => r.p99)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const seconds = Number(args.seconds ?? 5);
  const connections = Number(args.connections ?? 16);
  const platform = await startPlatformProcess();
  try {
    const jwt = await obtainAccessToken(platform.url, 'bench-user');
    const auth = { authorization: `Bearer ${platform.adminKey}` };
    const jwtAuth = { authorization: `Bearer ${jwt}` };
    // Warm up every path (JIT, key cache, JWKS fetch) before measuring.
    for (const h of [{}, auth, jwtAuth]) await load(`${platform.url}/v1/me`, h, 1, 4);
    await load(`${platform.url}/healthz`, {}, 1, 4);

    // Interleaved rounds, median per target: on a shared machine load comes and goes, and
    // measuring each target in one block would skew the ratios.
    const rounds = Number(args.rounds ?? 3);
    const slice = Math.max(1, Math.round(seconds / rounds));
    const runs: Record<'healthz' | 'apikey' | 'jwt', LoadResult[]> = {
      healthz: [],
      apikey: [],
      jwt: [],
    };
    for (let i = 0; i < rounds; i++) {
      runs.healthz.push(await load(`${platform.url}/healthz`, {}, slice, connections));
      runs.apikey.push(await load(`${platform.url}/v1/me`, auth, slice, connections));
      runs.jwt.push(await load(`${platform.url}/v1/me`, jwtAuth, slice, connections));
    }
    const healthz = median(runs.healthz);
    const apikey = median(runs.apikey);
    const bearer = median(runs.jwt);
    for (const [name, r] of [
      ['healthz', healthz],
      ['apikey', apikey],
      ['jwt', bearer],
    ] as const) {
      if (r.errors > 0 || r.non2xx > 0)
        throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
    }

    process.stdout.write(
      `\nbench:auth — ${connections} connections, ${rounds} interleaved rounds of ${slice}s per target (medians), database ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}\n\n`,
    );
    printTable(
      ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'ratio to /healthz'],
      [
        ['GET /healthz', healthz.rps, healthz.p50, healthz.p99, 1],
        ['GET /v1/me (API key)', apikey.rps, apikey.p50, apikey.p99, apikey.rps / healthz.rps],
        ['GET /v1/me (bearer JWT)', bearer.rps, bearer.p50, bearer.p99, bearer.rps / healthz.rps],
      ],
    );
    writeBenchJson(args.json, 'auth', {
      healthz_rps: healthz.rps,
      apikey_rps: apikey.rps,
      jwt_rps: bearer.rps,
      apikey_p50_ms: apikey.p50,
      apikey_p99_ms: apikey.p99,
      apikey_to_healthz: apikey.rps / healthz.rps,
    });
  } finally {
    await platform.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:auth failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
