/**
 * bench:gateway: the forward-auth endpoint APISIX calls before every request, against /healthz
 * of the same platform in the same run. The platform runs in its own process; autocannon loads
 * it from this one. Each request carries what APISIX's forward-auth plugin sends (the client's
 * Authorization header, X-Forwarded-Method/-Uri/-For). Goal: forward_auth_to_healthz >= 0.7.
 */
import { parseBenchArgs, printTable, writeBenchJson } from './lib/bench-args';
import { load, median, type LoadResult } from './lib/load';
import { startPlatformProcess } from './lib/platform-process';

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const seconds = Number(args.seconds ?? 6);
  const connections = Number(args.connections ?? 16);
  const rounds = Number(args.rounds ?? 3);
  const platform = await startPlatformProcess();
  try {
    const forwarded = {
      authorization: `Bearer ${platform.adminKey}`,
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/v1/me',
      'x-forwarded-for': '198.51.100.10',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'api.example.org',
    };
    const authUrl = `${platform.url}/gateway/auth`;
    const healthUrl = `${platform.url}/healthz`;
    // Warm up both paths (JIT, key cache, the tier of this caller class).
    await load({ url: authUrl, headers: forwarded }, 1, 4);
    await load({ url: healthUrl, headers: {} }, 1, 4);
    // Interleaved rounds, median per target: load on a shared machine comes and goes.
    const slice = Math.max(1, Math.round(seconds / rounds));
    const runs = { healthz: [] as LoadResult[], auth: [] as LoadResult[] };
    for (let i = 0; i < rounds; i++) {
      runs.healthz.push(await load({ url: healthUrl, headers: {} }, slice, connections));
      runs.auth.push(await load({ url: authUrl, headers: forwarded }, slice, connections));
    }
    const healthz = median(runs.healthz);
    const auth = median(runs.auth);
    for (const [name, r] of [
      ['healthz', healthz],
      ['forward-auth', auth],
    ] as const) {
      if (r.errors > 0 || r.non2xx > 0)
        throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
    }
    process.stdout.write(
      `\nbench:gateway — ${connections} connections, ${rounds} interleaved rounds of ${slice}s per target (medians), database ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}\n\n`,
    );
    printTable(
      ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'ratio to /healthz'],
      [
        ['GET /healthz', healthz.rps, healthz.p50, healthz.p99, 1],
        ['GET /gateway/auth (API key)', auth.rps, auth.p50, auth.p99, auth.rps / healthz.rps],
      ],
    );
    const ratio = auth.rps / healthz.rps;
    process.stdout.write(
      `\nforward_auth_to_healthz ${ratio.toFixed(2)} (goal >= 0.7): ${ratio >= 0.7 ? 'met' : 'NOT met'}\n`,
    );
    writeBenchJson(args.json, 'gateway', {
      forward_auth_rps: auth.rps,
      forward_auth_p50_ms: auth.p50,
      forward_auth_p99_ms: auth.p99,
      healthz_rps: healthz.rps,
      forward_auth_to_healthz: ratio,
    });
  } finally {
    await platform.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateway failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
