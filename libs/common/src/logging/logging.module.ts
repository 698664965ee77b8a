import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { NanopodConfig } from '../config/nanopod-config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Every node heartbeats every few seconds: their successful requests would drown the log. */
const ROUTINE = /^\/(readyz|v1\/agent\/nodes\/[^/]+\/heartbeat)(\?|$)/;

/** The request id a caller sent (when it looks like one), or a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/**
 * pino through nestjs-pino. Request logs carry the id, method, URL path and status only:
 * headers, cookies and bodies are never serialized, and known secret fields are redacted.
 */
export function loggingModule(config: NanopodConfig) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req, res) => {
        const id = requestIdFor(req);
        res.setHeader('x-request-id', id);
        return id;
      },
      customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      serializers: {
        req: (req: { id?: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: (req.url ?? '').split('?')[0],
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
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      customLogLevel: (req, res, err) => {
        if (err || res.statusCode >= 500) return 'error';
        return res.statusCode < 400 && ROUTINE.test(req.url ?? '') ? 'debug' : 'info';
      },
      quietReqLogger: true,
    },
  });
}
