import { Injectable, Module } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { Request, Response } from 'express';
import { RequestObservers, RequestObserversModule } from '../http/request-observers';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

let processMetrics: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, event loop delay, GC), collected once per process and
 * shared by every app instance in it: prom-client's default collectors are never released (its
 * GC observer and event-loop monitor hold them for the life of the process), so collecting them
 * per instance kept every instance's registry, histograms included, after the app closed.
 */
function processDefaultMetrics(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'nanopod_' });
  }
  return processMetrics;
}

/** One registry per app instance, so tests that boot several apps do not collide. */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'nanopod_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  constructor() {
    const shared = processDefaultMetrics();
    for (const { name } of shared.getMetricsAsArray())
      this.registry.registerMetric(shared.getSingleMetric(name)!);
  }
}

type DurationSeries = ReturnType<MetricsRegistry['httpDuration']['labels']>;

/**
 * nanopod_http_request_duration_seconds for every finished request. The labelled series are
 * kept by method, route and status: prom-client would otherwise hash a labels object on every
 * observation.
 */
@Injectable()
export class HttpMetrics {
  private readonly series = new Map<string, DurationSeries>();

  constructor(
    private readonly metrics: MetricsRegistry,
    observers: RequestObservers,
  ) {
    observers.add((req, res, durationMs) => this.observe(req, res, durationMs));
  }

  private observe(req: Request, res: Response, durationMs: number): void {
    const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
    const key = `${req.method} ${res.statusCode} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = this.metrics.httpDuration.labels(req.method, route, String(res.statusCode));
      this.series.set(key, series);
    }
    series.observe(durationMs / 1000);
  }
}

/**
 * `/metrics` on a listener of its own (NANOPOD_METRICS_HOST:NANOPOD_METRICS_PORT, loopback by
 * default), never on the public API port: metrics name routes, counts and internals that are
 * no business of API callers (or of sandboxes that can reach the API). Resolves with the
 * listening server.
 */
export function listenMetrics(
  metrics: MetricsRegistry,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

@Module({
  imports: [RequestObserversModule],
  providers: [MetricsRegistry, HttpMetrics],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
