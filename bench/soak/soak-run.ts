import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataSource } from 'typeorm';
import { ApiKeysService, Role, scopesForRoles, UsersService } from '@nanopod/identity';
import { RunningPlatform, startPlatform } from '../../apps/platform/src/bootstrap';
import { LagoFake } from '../../test/fakes/lago/lago-fake';
import { createTestDatabase, TestDatabase } from '../../test/support/test-database';
import { freePort, waitFor } from '../../test/faults/support/platform-process';

export interface SoakOptions {
  durationMs: number;
  /** A graceful platform restart this often. */
  restartEveryMs: number;
  clients: number;
  /** Sandboxes through the in-process local node agent (needs bubblewrap). */
  sandboxes: boolean;
  /** How often the memory table takes a sample (default a minute, a sixth of a short run). */
  sampleEveryMs?: number;
  log?: (line: string) => void;
}

/**
 * process.memoryUsage() of the soak's process (platform, its local agent, clients, Lago fake),
 * as it is and right after a full collection: RSS follows how much heap V8 keeps for garbage
 * between collections (hundreds of MB under this traffic, more or less from one minute to the
 * next); what survives a collection is what the process holds on to, and what a leak grows.
 */
export interface MemorySample {
  /** Minutes since the traffic started. */
  minute: number;
  /** Which platform lifetime (1 before the first restart). */
  platform: number;
  rss_mb: number;
  /** What V8 holds for its heap (used or not): RSS past this and external is native memory. */
  heap_total_mb: number;
  heap_used_mb: number;
  /** heapUsed right after a full collection. */
  heap_live_mb: number;
  /** After the collection too (buffers, sockets, native objects held by JS objects). */
  external_mb: number;
  array_buffers_mb: number;
}

export interface SoakReport {
  database: 'postgres' | 'pglite';
  duration_s: number;
  restarts: number;
  stop_ms_max: number;
  requests: number;
  /** Responses by status class. */
  status_2xx: number;
  status_4xx: number;
  /** 503: a command for a node agent in flight while the platform (and its local agent) restarted. */
  status_503: number;
  /** Any other 5xx is a failure. */
  status_5xx: number;
  /** Refused or cut connections: expected only while the platform restarts. */
  connection_errors: number;
  sandboxes_created: number;
  execs_ok: number;
  usage_events: number;
  lost_usage_events: number;
  lago_duplicates: number;
  outbox_not_shipped: number;
  ledger_sum_micro: number;
  api_requests_answered: number;
  api_requests_recorded: number;
  /** RSS after the warm-up; its peak in the first half of the run and in the second. */
  rss_start_mb: number;
  rss_peak_first_half_mb: number;
  rss_peak_second_half_mb: number;
  /** After the drain, with the last platform up and no traffic. */
  rss_end_mb: number;
  /** Heap after a full collection plus external: after the warm-up and at the last sample. */
  live_start_mb: number;
  live_end_mb: number;
  /** One sample per minute (per sampleEveryMs) under traffic, and one at the end. */
  memory: MemorySample[];
  /** What failed; empty when the soak passed. */
  failures: string[];
}

interface SoakUser {
  id: string;
  auth: { Authorization: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1048576);
const rssMb = () => mb(process.memoryUsage().rss);

/** A full collection, with or without --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function memorySample(minute: number, platform: number): MemorySample {
  const before = process.memoryUsage();
  collectGarbage();
  const after = process.memoryUsage();
  return {
    minute: Math.round(minute * 10) / 10,
    platform,
    rss_mb: mb(before.rss),
    heap_total_mb: mb(before.heapTotal),
    heap_used_mb: mb(before.heapUsed),
    heap_live_mb: mb(after.heapUsed),
    external_mb: mb(after.external),
    array_buffers_mb: mb(after.arrayBuffers),
  };
}
const live = (s: MemorySample) => s.heap_live_mb + s.external_mb;

async function makeUser(platform: RunningPlatform, login: string, roles: Role[]) {
  const users = platform.app.get(UsersService);
  const u = await users.upsertFromIdentity({
    keycloakSub: `soak-${login}`,
    githubId: String(Math.floor(Math.random() * 1e9)),
    githubLogin: login,
    email: `${login}@example.test`,
    displayName: login,
  });
  const withRoles = roles.includes('admin') ? await users.setRoles(u.id, roles) : u;
  const principal = {
    userId: withRoles.id,
    githubLogin: login,
    roles: withRoles.roles,
    via: 'api_key' as const,
    scopes: scopesForRoles(withRoles.roles),
    user: withRoles,
  };
  const { token } = await platform.app
    .get(ApiKeysService)
    .create(principal, { name: 'soak', scopes: scopesForRoles(withRoles.roles) });
  return { id: withRoles.id, auth: { Authorization: `Bearer ${token}` } };
}

/**
 * Mixed traffic from `clients` concurrent clients (API reads, API key writes, sandboxes with
 * exec and files) against one platform that is restarted gracefully every `restartEveryMs`,
 * with usage shipped to the Lago fake. At the end, with the platform back and the outbox
 * drained: every usage event reached Lago once, the ledger sums to zero, every answered
 * authenticated request was metered once, and RSS did not grow past a margin.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const failures: string[] = [];
  const kind = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const db: TestDatabase = await createTestDatabase(kind);
  const lago = await new LagoFake().start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nanopod-soak-'));
  // Searchable by others (not readable): sandboxes then run under their own uids, as on a node.
  chmodSync(dataDir, 0o711);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NANOPOD_ENV: 'test',
    ...db.env,
    // PGlite's files, and the local agent's sandboxes, live here across restarts.
    NANOPOD_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    NANOPOD_PUBLIC_URL: url,
    NANOPOD_LOCAL_NODE_AGENT: options.sandboxes ? 'true' : 'false',
    NANOPOD_LAGO_API_URL: lago.url,
    NANOPOD_LAGO_API_KEY: lago.apiKey,
    NANOPOD_BILLING_SHIP_INTERVAL_MS: '200',
    NANOPOD_NODE_HEARTBEAT_MS: '1000',
    NANOPOD_SANDBOX_USAGE_INTERVAL_MS: '2000',
    NANOPOD_NODE_START_GRACE_MS: '5000',
    ...(process.env.NANOPOD_LOG_LEVEL ? { NANOPOD_LOG_LEVEL: process.env.NANOPOD_LOG_LEVEL } : {}),
  };
  let platform = await startPlatform({ env });
  const stops: number[] = [];
  const rss: number[] = [rssMb()];
  const memory: MemorySample[] = [];
  const counts = {
    requests: 0,
    s2: 0,
    s4: 0,
    s5: 0,
    s503: 0,
    conn: 0,
    created: 0,
    execs: 0,
    apiAnswered: 0,
  };
  const fiveHundreds: string[] = [];
  let users: SoakUser[] = [];
  try {
    const admin = await makeUser(platform, `soak-admin-${randomUUID().slice(0, 8)}`, [
      'admin',
      'developer',
    ]);
    users = [];
    for (let i = 0; i < Math.max(1, Math.ceil(options.clients / 4)); i++) {
      users.push(await makeUser(platform, `soak-${i}-${randomUUID().slice(0, 8)}`, ['developer']));
    }
    for (const u of users) {
      const res = await fetch(`${url}/v1/billing/admin/top-ups`, {
        method: 'POST',
        headers: { ...admin.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: u.id, amount: 1_000_000, idempotency_key: `soak-${u.id}` }),
      });
      if (res.status !== 201) throw new Error(`top-up: ${res.status} ${await res.text()}`);
    }

    let stopping = false;
    const call = async (
      user: SoakUser,
      method: string,
      route: string,
      body?: Buffer | object,
    ): Promise<{ status: number; json: unknown } | null> => {
      try {
        const res = await fetch(`${url}${route}`, {
          method,
          headers: {
            ...user.auth,
            ...(body
              ? {
                  'content-type': Buffer.isBuffer(body)
                    ? 'application/octet-stream'
                    : 'application/json',
                }
              : {}),
          },
          body: body
            ? Buffer.isBuffer(body)
              ? new Uint8Array(body)
              : JSON.stringify(body)
            : undefined,
        });
        const text = await res.text();
        counts.requests++;
        if (res.status < 300) counts.s2++;
        else if (res.status < 500) counts.s4++;
        else if (res.status === 503) counts.s503++;
        else {
          counts.s5++;
          if (fiveHundreds.length < 20)
            fiveHundreds.push(`${method} ${route} ${res.status} ${text}`);
        }
        // Every route called here is authenticated: an answer other than 401 was metered.
        if (res.status !== 401) counts.apiAnswered++;
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // a file body
        }
        return { status: res.status, json };
      } catch {
        counts.conn++;
        await sleep(200);
        return null;
      }
    };

    const client = async (n: number) => {
      const user = users[n % users.length]!;
      let sandbox: string | null = null;
      while (!stopping) {
        const r = Math.random();
        if (options.sandboxes && !sandbox && r < 0.05) {
          const res = await call(user, 'POST', '/v1/sandboxes', {
            ttl_seconds: 600,
            idle_timeout_seconds: 600,
          });
          if (res?.status === 201) {
            sandbox = (res.json as { id: string }).id;
            counts.created++;
          }
        } else if (sandbox && r < 0.25) {
          const res = await call(user, 'POST', `/v1/sandboxes/${sandbox}/exec?wait=true`, {
            argv: ['sh', '-c', 'cat data.txt 2>/dev/null; echo ok'],
          });
          if (res?.status === 200) counts.execs++;
        } else if (sandbox && r < 0.3) {
          await call(
            user,
            'PUT',
            `/v1/sandboxes/${sandbox}/files?path=data.txt`,
            Buffer.from(`client ${n} at ${Date.now()}\n`),
          );
        } else if (sandbox && r < 0.33) {
          await call(user, 'GET', `/v1/sandboxes/${sandbox}/files?path=data.txt`);
        } else if (sandbox && r < 0.34) {
          await call(user, 'DELETE', `/v1/sandboxes/${sandbox}`);
          sandbox = null;
        } else if (r < 0.36) {
          await call(user, 'POST', '/v1/api-keys', { name: `soak-${n}`, scopes: ['read'] });
        } else {
          const reads = ['/v1/me', '/v1/billing/balance', '/v1/sandboxes', '/v1/api-keys'];
          await call(user, 'GET', reads[Math.floor(Math.random() * reads.length)]!);
        }
        await sleep(10 + Math.random() * 40);
      }
    };

    const started = Date.now();
    const clients = Array.from({ length: options.clients }, (_, i) => client(i));
    // The start of the memory comparisons: the first sample after a warm-up under traffic (a
    // quarter of the run, at most a minute), not at the first restart (a run may have none).
    const warmAt = Math.min(60_000, options.durationMs / 4) / 60_000;
    let nextRestart = started + options.restartEveryMs;
    const sampleEvery = options.sampleEveryMs ?? Math.min(60_000, options.durationMs / 6);
    let nextSample = started + sampleEvery;
    const sample = () => {
      const s = memorySample((Date.now() - started) / 60_000, stops.length + 1);
      memory.push(s);
      log(
        `memory at ${s.minute} min (platform ${s.platform}): rss ${s.rss_mb} MB, heap total ${s.heap_total_mb} MB, used ${s.heap_used_mb} MB, live ${s.heap_live_mb} MB, external ${s.external_mb} MB, array buffers ${s.array_buffers_mb} MB`,
      );
    };
    while (Date.now() - started < options.durationMs) {
      await sleep(Math.min(1000, Math.max(0, nextRestart - Date.now())));
      if (Date.now() >= nextSample) {
        sample();
        nextSample += sampleEvery;
      }
      if (Date.now() >= nextRestart && Date.now() - started < options.durationMs - 5000) {
        const t0 = Date.now();
        await platform.close();
        stops.push(Date.now() - t0);
        log(`restart ${stops.length}: stopped in ${stops.at(-1)} ms`);
        platform = await startPlatform({ env });
        rss.push(rssMb());
        nextRestart = Date.now() + options.restartEveryMs;
      }
    }
    stopping = true;
    await Promise.all(clients);
    const durationMs = Date.now() - started;
    await platform.close();
    stops.push(0);

    // The check: the platform back without traffic, until the outbox is drained into Lago.
    // Without the local agent and its metering, so the check does not make new usage itself.
    platform = await startPlatform({
      env: {
        ...env,
        NANOPOD_LOCAL_NODE_AGENT: 'false',
        NANOPOD_SANDBOX_USAGE_INTERVAL_MS: '3600000',
      },
    });
    const ds = platform.app.get(DataSource);
    const outboxLeft = async () =>
      Number(
        (
          (await ds.query(
            `SELECT count(*)::int AS n FROM billing_outbox WHERE status <> 'shipped'`,
          )) as { n: number }[]
        )[0]!.n,
      );
    await waitFor(
      async () => (await outboxLeft()) === 0,
      120_000,
      'the outbox to drain',
      250,
    ).catch(() => undefined);
    const ids = (
      (await ds.query(`SELECT transaction_id FROM billing_usage_events`)) as {
        transaction_id: string;
      }[]
    ).map((r) => r.transaction_id);
    // A TTL expiring meanwhile may add an event after the snapshot: only the snapshot counts.
    await waitFor(
      () => ids.every((id) => lago.acceptedCount.has(id)),
      30_000,
      'every usage event in Lago',
      250,
    ).catch(() => undefined);
    const lost = ids.filter((id) => !lago.acceptedCount.has(id));
    const ledgerSum = Number(
      (
        (await ds.query(
          `SELECT COALESCE(SUM(amount_micro), 0)::bigint AS s FROM billing_journal_lines`,
        )) as { s: string }[]
      )[0]!.s,
    );
    const apiRecorded = Number(
      (
        (await ds.query(
          `SELECT COALESCE(SUM(quantity), 0)::float8 AS n FROM billing_usage_events
            WHERE metric = 'api_requests' AND user_id = ANY($1::text[])`,
          [users.map((u) => u.id)],
        )) as { n: number }[]
      )[0]!.n,
    );
    const notShipped = Number(
      (
        (await ds.query(
          `SELECT count(*)::int AS n FROM billing_outbox
            WHERE status <> 'shipped' AND transaction_id = ANY($1::text[])`,
          [ids],
        )) as { n: number }[]
      )[0]!.n,
    );
    rss.push(rssMb());
    const underTraffic = memory.filter((m) => m.minute <= durationMs / 60_000);
    const warm = underTraffic.filter((m) => m.minute >= warmAt);
    const first = warm[0] ?? underTraffic[0] ?? memorySample(0, 1);
    const last = underTraffic.at(-1) ?? first;
    const half = durationMs / 120_000;
    const peak = (samples: MemorySample[]) => Math.max(0, ...samples.map((m) => m.rss_mb));
    memory.push(memorySample(durationMs / 60_000, stops.length + 1));

    const report: SoakReport = {
      database: kind,
      duration_s: Math.round(durationMs / 1000),
      restarts: stops.length - 1,
      stop_ms_max: Math.max(...stops),
      requests: counts.requests,
      status_2xx: counts.s2,
      status_4xx: counts.s4,
      status_503: counts.s503,
      status_5xx: counts.s5,
      connection_errors: counts.conn,
      sandboxes_created: counts.created,
      execs_ok: counts.execs,
      usage_events: ids.length,
      lost_usage_events: lost.length,
      lago_duplicates: lago.duplicatesAccepted().length,
      outbox_not_shipped: notShipped,
      ledger_sum_micro: ledgerSum,
      api_requests_answered: counts.apiAnswered,
      api_requests_recorded: apiRecorded,
      rss_start_mb: first.rss_mb,
      rss_peak_first_half_mb: peak(warm.filter((m) => m.minute <= half)),
      rss_peak_second_half_mb: peak(warm.filter((m) => m.minute > half)),
      rss_end_mb: rss.at(-1)!,
      live_start_mb: live(first),
      live_end_mb: live(last),
      memory,
      failures,
    };
    if (lost.length) failures.push(`${lost.length} usage events never reached Lago`);
    if (report.lago_duplicates) failures.push(`${report.lago_duplicates} duplicates in Lago`);
    if (notShipped) failures.push(`${notShipped} outbox rows not shipped`);
    if (ledgerSum !== 0) failures.push(`the ledger sums to ${ledgerSum}, not 0`);
    if (apiRecorded !== counts.apiAnswered)
      failures.push(
        `api_requests: ${counts.apiAnswered} answered, ${apiRecorded} recorded (lost or doubled)`,
      );
    if (counts.s5) failures.push(`${counts.s5} 5xx answers: ${fiveHundreds.join(' | ')}`);
    if (report.stop_ms_max >= 10_000) failures.push(`a stop took ${report.stop_ms_max} ms`);
    // No leak: what survives a full collection after the warm-up against the last sample, with
    // room for code the JIT compiles meanwhile. A leak of 1 KB per request is ~90 MB in 30 min.
    if (report.live_end_mb > report.live_start_mb * 1.25 + 32)
      failures.push(
        `live memory (heap after a full collection, plus external) grew from ${report.live_start_mb} MB to ${report.live_end_mb} MB`,
      );
    // RSS flat: it rises while V8 sizes its heap to the garbage the traffic makes (one or two
    // minutes) and then breathes; the second half's peak must not pass the first half's by more
    // than that breathing.
    if (report.rss_peak_second_half_mb > report.rss_peak_first_half_mb * 1.25 + 64)
      failures.push(
        `RSS kept growing: peak ${report.rss_peak_first_half_mb} MB in the first half, ${report.rss_peak_second_half_mb} MB in the second`,
      );
    return report;
  } finally {
    await platform.close().catch(() => undefined);
    await lago.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
