import type { IncomingMessage, ServerResponse } from 'node:http';
import { storage, Store } from 'nestjs-pino/storage';
import type { Level, Logger } from 'pino';

/** Every node heartbeats every few seconds: their successful requests would drown the log. */
const ROUTINE = /^\/(readyz|v1\/agent\/nodes\/[^/]+\/heartbeat)(\?|$)/;
/** Probes and scrapes: never an access line. */
const UNLOGGED = new Set(['/healthz', '/metrics']);

/**
 * A request's log context for nestjs-pino's PinoLogger (what `Logger` in a class writes with):
 * the child logger carrying the request id is made on the first line written while serving the
 * request, so a request that logs nothing costs one small object.
 */
class RequestStore implements Store {
  private child?: Logger;
  responseLogger?: Logger;

  constructor(
    private readonly root: Logger,
    private readonly requestId: string,
  ) {}

  get logger(): Logger {
    return (this.child ??= this.root.child({ reqId: this.requestId }));
  }

  /** PinoLogger.assign() replaces it with a child of its own. */
  set logger(logger: Logger) {
    this.child = logger;
  }
}

type LoggedRequest = IncomingMessage & { originalUrl?: string };

/**
 * Access lines and the per-request log context. The level is decided first, so a line below
 * the configured level (or outside the sample) builds and serializes nothing; failures (4xx,
 * 5xx) are always written, successes at info level in the configured share.
 */
export class RequestLog {
  constructor(
    readonly root: Logger,
    private readonly sample: number,
  ) {}

  /** Runs `next` (the rest of the request) with `requestId` on every line its classes write. */
  run(requestId: string, next: () => void): void {
    storage.run(new RequestStore(this.root, requestId), next);
  }

  /** The access line of a request whose response is done (or whose client went away). */
  finished(req: LoggedRequest, res: ServerResponse, startedMs: number): void {
    const url = req.originalUrl ?? req.url ?? '';
    if (UNLOGGED.has(url)) return;
    const status = res.statusCode;
    const level: Level =
      status >= 500 ? 'error' : status < 400 && ROUTINE.test(url) ? 'debug' : 'info';
    if (!this.root.isLevelEnabled(level)) return;
    if (level === 'info' && status < 400 && this.sample < 1 && Math.random() >= this.sample) {
      return;
    }
    const id = (req as { id?: unknown }).id;
    this.root[level](
      {
        reqId: id,
        requestId: id,
        req: { id, method: req.method, path: url.split('?')[0] },
        res: { statusCode: status },
        responseTime: Math.round(performance.now() - startedMs),
      },
      !res.writableFinished
        ? 'request aborted'
        : status >= 500
          ? 'request errored'
          : 'request completed',
    );
  }
}
