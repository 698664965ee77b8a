import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CommonErrorCodes, NanopodError, statusForKind } from './nanopod.error';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const httpCodes: Record<number, string> = {
  400: 'request.invalid',
  401: 'auth.unauthenticated',
  403: 'auth.forbidden',
  404: 'route.not_found',
  405: 'request.method_not_allowed',
  409: 'request.conflict',
  413: 'request.too_large',
  415: 'request.unsupported_media_type',
  429: 'request.rate_limited',
};

/** Body-parser and similar middleware signal with `status` and `type` on a plain Error. */
interface MiddlewareError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export function toErrorResponse(exception: unknown): {
  status: number;
  body: ErrorBody;
  log: boolean;
} {
  if (exception instanceof NanopodError) {
    const status = statusForKind(exception.kind);
    return {
      status,
      body: {
        error: {
          code: exception.code,
          message: exception.message,
          details: exception.details ?? null,
        },
      },
      log: status >= 500,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message.join('; ') as string)
          : String((response as { message?: unknown }).message ?? exception.message);
    const code =
      httpCodes[status] ?? (status >= 500 ? CommonErrorCodes.internal : 'request.invalid');
    return { status, body: { error: { code, message, details: null } }, log: status >= 500 };
  }
  const mw = exception as MiddlewareError;
  const mwStatus = mw?.status ?? mw?.statusCode;
  if (mw && typeof mwStatus === 'number' && mwStatus >= 400 && mwStatus < 500) {
    if (mw.type === 'entity.parse.failed') {
      return {
        status: 400,
        body: {
          error: {
            code: CommonErrorCodes.malformedJson,
            message: 'The request body is not valid JSON',
            details: null,
          },
        },
        log: false,
      };
    }
    if (mw.type === 'entity.too.large') {
      return {
        status: 413,
        body: {
          error: {
            code: CommonErrorCodes.tooLarge,
            message: 'The request body is too large',
            details: null,
          },
        },
        log: false,
      };
    }
    return {
      status: mwStatus,
      body: {
        error: {
          code: httpCodes[mwStatus] ?? CommonErrorCodes.validation,
          message: mw.expose ? mw.message : 'Bad request',
          details: null,
        },
      },
      log: false,
    };
  }
  if (isDatabaseUnreachable(exception)) {
    return {
      status: 503,
      body: {
        error: {
          code: CommonErrorCodes.unavailable,
          message: 'The service is temporarily unavailable; try again shortly',
          details: null,
        },
      },
      log: true,
    };
  }
  return {
    status: 500,
    body: {
      error: { code: CommonErrorCodes.internal, message: 'Internal server error', details: null },
    },
    log: true,
  };
}

/** Socket-level codes of a database that is down or restarting. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  // PostgreSQL SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash shutdown,
  // cannot connect now), 53300 (too many connections).
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** Messages node-postgres and TypeORM use when the connection itself went away. */
const UNREACHABLE_MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down)|Cannot use a pool after calling end|Client was closed/i;

/**
 * Whether the error says the database could not be reached (not that a query was wrong): the
 * caller then gets 503 `unavailable` and can retry, as it should during a failover or restart.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (
    let e = err as
        { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message)) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * The error without its enumerable extras: TypeORM's QueryFailedError carries the query
 * `parameters` (hashes, tokens being stored) and HTTP client errors carry the request with its
 * Authorization header. pino would serialize all of them.
 */
export function loggableError(err: unknown): {
  type: string;
  message: string;
  code?: string;
  stack?: string;
} {
  if (!(err instanceof Error)) return { type: typeof err, message: 'non-Error thrown' };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.constructor?.name ?? err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: err.stack,
  };
}

@Catch()
export class GlobalErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(GlobalErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const { status, body, log } = toErrorResponse(exception);
    if (log) {
      // Only the error and the route: never headers or bodies, which may carry secrets.
      this.logger.error(
        {
          err: loggableError(exception),
          method: req?.method,
          route: req?.route?.path ?? req?.path,
          requestId: req?.id,
        },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  }
}
