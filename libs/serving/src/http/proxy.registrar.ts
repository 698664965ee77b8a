import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import { ServingProxy } from '../services/serving-proxy.service';

/**
 * Mounts the load balancer at `/s` on the platform's HTTP server, ahead of the API's routes
 * and body parsers: request and response bodies stream through untouched.
 */
@Injectable()
export class ServingProxyRegistrar {
  constructor(host: HttpAdapterHost, proxy: ServingProxy) {
    const instance = host.httpAdapter?.getInstance() as Express | undefined;
    instance?.use('/s', (req: Request, res: Response, next: NextFunction) => {
      proxy.handle(req, res, req.url).catch(next);
    });
  }
}
