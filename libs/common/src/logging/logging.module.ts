import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { NanopodConfig } from '../config/nanopod-config';
import { prettyStream } from './pretty-stream';
import { RequestLog } from './request-log';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request id a caller sent (when it looks like one), or a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

@Module({})
class RequestLogModule {}

/**
 * pino through nestjs-pino (a logger per class, the request id on each line written while
 * serving a request). nestjs-pino's own per-request middleware (pino-http) is not installed:
 * it built two child loggers and serialized the request on every request, logged or not.
 * `RequestLog` does that work instead, from the one front middleware of `configureHttpApp`,
 * only for the lines that are written. Request logs carry the id, method, URL path and status
 * only: headers, cookies and bodies are never serialized, and known secret fields are redacted.
 */
export function loggingModule(config: NanopodConfig): DynamicModule {
  const root = pino(
    {
      level: config.logLevel,
      // Whatever request or response object reaches a log line, only these fields are written.
      serializers: {
        req: (req: { id?: string; method?: string; path?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.path ?? (req.url ?? '').split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      redact: {
        paths: [
          '*.authorization',
          '*.cookie',
          '*.password',
          '*.secret',
          '*.token',
          '*.api_key',
          '*.apiKey',
          '*.client_secret',
        ],
        censor: '[redacted]',
      },
    },
    config.logFormat === 'pretty' ? prettyStream() : undefined,
  );
  return {
    module: RequestLogModule,
    imports: [
      // No routes: the request context comes from RequestLog.
      LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
    ],
    providers: [{ provide: RequestLog, useValue: new RequestLog(root, config.accessLogSample) }],
    exports: [RequestLog],
  };
}
