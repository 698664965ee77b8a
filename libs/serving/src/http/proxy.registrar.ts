import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CommonErrorCodes } from '@nanopod/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ServingProxy } from '../services/serving-proxy.service';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Mounts the load balancer at `/s` on the platform's HTTP server, in front of the framework:
 * a request for `/s/...` goes straight from Node's server to the proxy (no router, no
 * middleware, no body parser; bodies stream through untouched), everything else to the app as
 * before. Express's own dispatch cost about half the proxy's throughput (bench:serve).
 */
@Injectable()
export class ServingProxyRegistrar implements OnApplicationBootstrap {
  private readonly logger = new Logger(ServingProxyRegistrar.name);

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly proxy: ServingProxy,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    const app = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const rest = servingPath(req.url ?? '');
      if (rest === null) {
        for (const listener of app) listener.call(server, req, res);
        return;
      }
      this.proxy.handle(req, res, rest).catch((err: Error) => {
        this.logger.error({ err: err.message }, 'serving proxy failed');
        if (res.headersSent) return void res.destroy();
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              code: CommonErrorCodes.internal,
              message: 'The load balancer failed',
              details: {},
            },
          }),
        );
      });
    });
  }
}

/** The part after `/s` of a serving URL (`/s/api/x` → `/api/x`), or null for other paths. */
export function servingPath(url: string): string | null {
  if (url !== '/s' && !url.startsWith('/s/') && !url.startsWith('/s?')) return null;
  const rest = url.slice(2);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
