import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  Clock,
  configureHttpApp,
  EmbeddedPostgres,
  listenMetrics,
  loadConfig,
  MetricsRegistry,
  NanopodConfig,
  PlatformLifecycle,
  startEmbeddedPostgres,
} from '@nanopod/common';
import { AgentChannelGateway } from '@nanopod/federation';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { mountBuiltinIssuer } from './builtin-issuer';
import { serveWebDashboard } from './web-static';
import { startLocalNodeAgent } from './local-node-agent';

export interface PlatformOptions {
  /** Environment to read the configuration from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
}

export interface RunningPlatform {
  app: INestApplication;
  config: NanopodConfig;
  url: string;
  /** The /metrics listener's URL (`.../metrics`), or null when it is off. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the platform: database (PostgreSQL from DATABASE_URL, else embedded PGlite), migrations,
 * HTTP on PORT. PORT=0 picks a free port first, so the public URL (and the issuer) are right.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const env = { ...(options.env ?? process.env) };
  if (env.PORT === '0') env.PORT = String(await freePort(env.HOST ?? '127.0.0.1'));
  const config = loadConfig(env);

  let embedded: EmbeddedPostgres | undefined;
  let database: { url: string; kind: 'postgres' | 'pglite'; poolSize: number };
  if (config.database.kind === 'postgres') {
    database = { url: config.database.url, kind: 'postgres', poolSize: 10 };
  } else {
    embedded = await startEmbeddedPostgres(config.database.dataDir, {
      template: config.database.template,
    });
    database = { url: embedded.url, kind: 'pglite', poolSize: embedded.maxConnections };
  }

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, database, clock: options.clock }),
      {
        bodyParser: false,
        bufferLogs: true,
        // A module that cannot be built throws here (main.ts says why and exits; a test sees
        // the error) instead of Nest ending the whole process on its own.
        abortOnError: false,
      },
    );
    app.useLogger(app.get(Logger));
    mountBuiltinIssuer(app, config);
    configureHttpApp(app, { title: 'Nanopod API', version: '1' });
    serveWebDashboard(app);
    await app.listen(config.port, config.host);
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  let metricsServer: Server | undefined;
  if (config.metrics) {
    metricsServer = await listenMetrics(
      app.get(MetricsRegistry),
      config.metrics.host,
      config.metrics.port,
    ).catch(async (err: unknown) => {
      await app.close();
      await embedded?.stop();
      throw err;
    });
  }
  const metricsAddress = metricsServer?.address() as AddressInfo | undefined;
  const localAgent = await startLocalNodeAgent(app, config);
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    url: `http://${config.host}:${config.port}`,
    metricsUrl: metricsAddress
      ? `http://${config.metrics!.host.includes(':') ? `[${config.metrics!.host}]` : config.metrics!.host}:${metricsAddress.port}/metrics`
      : null,
    close() {
      closing ??= stopPlatform(app, config, {
        async stopLocalAgent() {
          await new Promise<void>((resolve) =>
            metricsServer ? metricsServer.close(() => resolve()) : resolve(),
          );
          await localAgent?.stop();
        },
        stopDatabase: async () => embedded?.stop(),
      });
      return closing;
    },
  };
}

/** Resolves after `ms` (unref'd: never keeps the process up by itself). */
const after = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * The graceful stop, in order, within NANOPOD_SHUTDOWN_TIMEOUT_MS whatever is connected (one
 * deadline for all of it, the local agent and the embedded database included):
 * 1. loops that judge nodes by silence stand down (PlatformLifecycle.stopping);
 * 2. no new connections; idle keep-alive ones close;
 * 3. agents are told the platform is going away and their sockets close (they keep their
 *    sandboxes and reconnect), since an open WebSocket would hold the HTTP server open; the
 *    local agent stops its sandboxes meanwhile;
 * 4. in-flight requests finish, cut when the drain budget is spent;
 * 5. Nest's shutdown: the api_requests meter flushes (every request has ended by now), the
 *    outbox finishes its batch, the database pool closes;
 * 6. the local agent's stop is awaited (what is left of it) and the embedded database closes.
 * Each step is raced against its share of what is left, so a slow one is cut, never waited for;
 * what each took is logged. (main.ts's armExitDeadline ends the process if even this overruns.)
 */
async function stopPlatform(
  app: NestExpressApplication,
  config: NanopodConfig,
  parts: { stopLocalAgent: () => Promise<void>; stopDatabase: () => Promise<void> },
): Promise<void> {
  const log = app.get(Logger);
  const started = Date.now();
  const budget = config.shutdownTimeoutMs;
  const left = () => Math.max(0, budget - (Date.now() - started));
  const took: Record<string, number> = {};
  const cut: string[] = [];
  const step = async (name: string, work: Promise<unknown>, limitMs: number) => {
    const t0 = Date.now();
    const outcome = await Promise.race([work.then(() => 'done' as const), after(limitMs)]);
    took[name] = Date.now() - t0;
    if (outcome === 'timeout') cut.push(name);
    return outcome;
  };
  app.get(PlatformLifecycle).markStopping();
  const server = app.getHttpServer() as Server;
  const drained = new Promise<void>((resolve) => server.once('close', () => resolve()));
  if (server.listening) server.close();
  server.closeIdleConnections();
  // Keeps going past its step (sandboxes stopping); awaited again before the database closes.
  const localAgent = parts.stopLocalAgent().catch(() => undefined);
  await step(
    'agents',
    Promise.all([app.get(AgentChannelGateway).releaseAgents(), localAgent]),
    left() / 4,
  );
  // A keep-alive connection whose request just finished is idle now: close those as they come.
  const reaper = setInterval(() => server.closeIdleConnections(), 100);
  // Half of what is left for requests to finish; the rest is for flushing and closing.
  const outcome = await step('requests', drained, left() / 2);
  clearInterval(reaper);
  if (outcome === 'timeout') {
    log.warn({ budget_ms: budget }, 'requests still running at the stop deadline: cut');
    server.closeAllConnections();
  }
  // What is left, minus a share for the embedded database to close cleanly.
  await step('shutdown_hooks', app.close(), left() * 0.75);
  await step('local_agent', localAgent, left() / 2);
  await step('database', parts.stopDatabase(), left());
  const ms = Date.now() - started;
  if (cut.length > 0)
    log.warn({ budget_ms: budget, ms, took, cut }, 'platform stopped; steps cut at the deadline');
  else log.log({ ms, took }, 'platform stopped');
}
