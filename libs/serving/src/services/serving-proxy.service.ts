import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:http';
import { ServicesRepository } from '../repositories/services.repository';
import { ServingErrorCodes } from '../serving.errors';
import { Endpoint, LoadBalancer } from './load-balancer.service';
import { ServingReconciler } from './serving.reconciler';

/** How long a request may wait for a replica to come READY (scale from zero). */
const HOLD_MS = 60_000;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The load balancer's data path at `/s/{service}/...`: routes to a READY replica (least load by
 * default, or round robin), streams both bodies, holds a request while a service at zero
 * starts a replica, and retries an idempotent request without a body once on another replica
 * when the first cannot be reached (a preempted replica). Public like a SkyServe endpoint; in
 * production the gateway sits in front.
 */
@Injectable()
export class ServingProxy implements OnApplicationShutdown {
  private readonly logger = new Logger(ServingProxy.name);
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });

  constructor(
    private readonly lb: LoadBalancer,
    private readonly repo: ServicesRepository,
    private readonly reconciler: ServingReconciler,
  ) {}

  /** `url` is the part after `/s`. */
  async handle(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const m = /^\/([a-z][a-z0-9-]{0,62})(\/[^]*)?$/.exec(url);
    const name = m?.[1] ?? '';
    const routing = m ? this.lb.routing(name) : undefined;
    if (!routing) {
      return fail(res, 404, ServingErrorCodes.notFound, `No service named ${name || url}`, {
        name,
      });
    }
    const path = m![2] ?? '/';
    this.lb.count(name);
    let ep = this.lb.pick(name, routing.policy);
    if (!ep) {
      const started = Date.now();
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      this.reconciler.kick();
      const ok = await this.lb.waitReady(name, HOLD_MS, abort.signal);
      if (!ok) {
        return fail(
          res,
          503,
          ServingErrorCodes.noReadyReplica,
          `Service ${name} has no READY replica`,
          {
            service: name,
            waited_ms: Date.now() - started,
          },
        );
      }
      const coldStartMs = Date.now() - started;
      void this.repo
        .update(routing.serviceId, { lastColdStartMs: coldStartMs })
        .catch(() => undefined);
      res.setHeader('x-nanopod-cold-start-ms', String(coldStartMs));
      ep = this.lb.pick(name, routing.policy);
      if (!ep) return fail(res, 503, ServingErrorCodes.noReadyReplica, 'No READY replica', {});
    }
    const hasBody =
      req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0'
        ? true
        : req.headers['transfer-encoding'] !== undefined;
    const retryable = IDEMPOTENT.has(req.method ?? '') && !hasBody;
    this.forward(req, res, name, path, ep, retryable ? routing.policy : null);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    path: string,
    ep: Endpoint,
    retryWith: 'least_load' | 'round_robin' | null,
  ): void {
    const done = this.lb.begin(name, ep);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP.has(k)) headers[k] = v;
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers['x-forwarded-prefix'] = `/s/${name}`;
    const upstream = request(
      { host: ep.host, port: ep.port, method: req.method, path, headers, agent: this.agent },
      (up) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) {
          if (v !== undefined && !HOP.has(k)) out[k] = v;
        }
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on('end', done);
        up.on('error', () => (done(), res.destroy()));
      },
    );
    res.on('close', () => {
      done();
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', (err) => {
      done();
      if (res.headersSent) return void res.destroy();
      const next = retryWith ? this.lb.pick(name, retryWith, ep.replicaId) : null;
      if (next) {
        this.logger.warn({ service: name, replicaId: ep.replicaId, err: err.message }, 'retrying');
        return this.forward(req, res, name, path, next, null);
      }
      fail(
        res,
        502,
        ServingErrorCodes.replicaUnreachable,
        `Replica ${ep.replicaId} of ${name} did not answer`,
        {
          service: name,
          replica_id: ep.replicaId,
        },
      );
    });
    if (retryWith) upstream.end();
    else req.pipe(upstream);
  }

  /** Lets keep-alive sockets to replicas go at shutdown. */
  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}

function fail(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown>,
): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, details } }));
}
