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
  startEmbeddedPostgres,
} from '@nanopod/common';
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
    embedded = await startEmbeddedPostgres(config.database.dataDir);
    database = { url: embedded.url, kind: 'pglite', poolSize: embedded.maxConnections };
  }

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, database, clock: options.clock }),
      {
        bodyParser: false,
        bufferLogs: true,
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
  return {
    app,
    config,
    url: `http://${config.host}:${config.port}`,
    metricsUrl: metricsAddress
      ? `http://${config.metrics!.host.includes(':') ? `[${config.metrics!.host}]` : config.metrics!.host}:${metricsAddress.port}/metrics`
      : null,
    async close() {
      await new Promise<void>((resolve) =>
        metricsServer ? metricsServer.close(() => resolve()) : resolve(),
      );
      await localAgent?.stop();
      await app.close();
      await embedded?.stop();
    },
  };
}
