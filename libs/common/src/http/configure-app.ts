import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express from 'express';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  CommonErrorCodes,
  NanopodError,
  PayloadTooLargeError,
  ValidationError,
} from '../errors/nanopod.error';
import { GlobalErrorFilter } from '../errors/error.filter';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { nanopodValidationPipe } from './validation';
import { RequestLog } from '../logging/request-log';
import { requestIdFor } from '../logging/logging.module';
import { RequestObservers } from './request-observers';
import { isRawBodyRoute } from './raw-body-routes';
import { assertJsonShape, JsonBodyErrorCodes } from './json-shape';

export const JSON_BODY_LIMIT = '1mb';

/**
 * The HTTP behaviour every Nanopod app shares: body limits, validation, errors, OpenAPI, and
 * per request (in one front middleware, see `frontMiddleware`) the NUL check, security
 * headers, request id, cookies, access log, metrics and meters.
 */
export function configureHttpApp(
  app: INestApplication,
  options: { title: string; version: string },
): void {
  const server = app as NestExpressApplication;
  server.disable('x-powered-by');
  // API answers are computed per request and not cached by clients: no SHA-1 of every body for
  // a weak ETag nobody revalidates with (the dashboard's static files keep theirs).
  server.set('etag', false);
  server.set('trust proxy', 'loopback');
  app.use(
    frontMiddleware(
      app.get(RequestLog, { strict: false }),
      app.get(RequestObservers, { strict: false }),
    ),
  );
  app.useGlobalPipes(nanopodValidationPipe());
  app.useGlobalFilters(new GlobalErrorFilter());

  const doc = new DocumentBuilder()
    .setTitle(options.title)
    .setVersion(options.version)
    .setDescription(
      'Nanopod API. Every error answer is `{"error": {"code", "message", "details"}}`.',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key (npk_...) or a realm access token',
      },
      'bearer',
    )
    .addCookieAuth(
      'nanopod_session',
      { type: 'apiKey', in: 'cookie', name: 'nanopod_session' },
      'session',
    )
    .build();
  // Built on the first request for it, not at every start (about half a second of CPU).
  SwaggerModule.setup(
    'docs',
    app,
    () => SwaggerModule.createDocument(app, doc, { extraModels: [ErrorBodyDto] }),
    { jsonDocumentUrl: 'docs-json' },
  );
}

const cookies = cookieParser();

/** The body parsers in order, run only for requests that have a body. */
const parseBody = compose([
  withBodyErrors(express.text({ type: parsedAs('application/json'), limit: JSON_BODY_LIMIT })),
  parseJsonText,
  withBodyErrors(
    express.urlencoded({
      type: parsedAs('application/x-www-form-urlencoded'),
      limit: JSON_BODY_LIMIT,
      extended: false,
      parameterLimit: 1000,
    }),
  ),
  rejectForbiddenFormKeys,
]);

/**
 * Everything every request needs before routing, as one middleware: each Express layer costs a
 * path match and a `next` hop, and these used to be eleven layers (four of them Nest middleware
 * matched against `*path`). In order: refuse a NUL in the URL; security headers; request id;
 * cookies; one `close` listener for the access line and the observers; the body parsers when
 * there is a body; then the rest of the request inside the request's log context (entered
 * after the body is read: stream callbacks would not carry it).
 */
function frontMiddleware(
  log: RequestLog | undefined,
  observers: RequestObservers | undefined,
): RequestHandler {
  return (req: BodyRequest, res: Response, next: NextFunction) => {
    const url = req.originalUrl ?? req.url;
    if (url.includes('%00') || url.includes('\u0000')) {
      return next(new ValidationError(JsonBodyErrorCodes.nulByte, 'The URL may not contain NUL'));
    }
    // The dashboard acts with the session cookie: no framing (clickjacking), no MIME sniffing,
    // and no full URLs (sign-in codes, return paths) leaked to other sites in Referer.
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    const id = requestIdFor(req);
    req.id = id;
    res.setHeader('x-request-id', id);
    // Most API calls carry no cookie: skip the parser's two dictionary objects then.
    if (req.headers.cookie === undefined) {
      req.cookies = {};
      req.signedCookies = {};
    } else cookies(req, res, noop);
    const started = performance.now();
    res.once('close', () => {
      if (res.writableFinished) observers?.notify(req, res, performance.now() - started);
      log?.finished(req, res, started);
    });
    const proceed = log ? () => log.run(id, next) : next;
    if (!hasBody(req)) {
      if (!('body' in (req as object))) req.body = undefined;
      return proceed();
    }
    parseBody(req, res, (err?: unknown) => (err ? next(err) : proceed()));
  };
}

const noop = () => undefined;

/** type-is's test: a body is announced by Transfer-Encoding or a numeric Content-Length. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (
    req.headers['transfer-encoding'] !== undefined ||
    (length !== undefined && !Number.isNaN(Number(length)))
  );
}

/** Middlewares run one after another without a router layer each; an error skips the rest. */
function compose(handlers: RequestHandler[]): RequestHandler {
  return (req, res, done) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) return done(err);
      const handler = handlers[i++];
      if (!handler) return done();
      try {
        void handler(req, res, step);
      } catch (thrown) {
        done(thrown);
      }
    };
    step();
  };
}

interface BodyParserError extends Error {
  type?: string;
}

/** Body-parser failures become our own errors here, before Nest would flatten them to a 400. */
function withBodyErrors(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      if (err instanceof NanopodError) return next(err);
      const type = (err as BodyParserError).type;
      if (type === 'entity.parse.failed') {
        return next(
          new ValidationError(CommonErrorCodes.malformedJson, 'The request body is not valid JSON'),
        );
      }
      if (type === 'entity.too.large') {
        return next(
          new PayloadTooLargeError(
            CommonErrorCodes.tooLarge,
            `The request body is larger than ${JSON_BODY_LIMIT}`,
          ),
        );
      }
      if (type === 'parameters.too.many') {
        return next(
          new ValidationError(
            JsonBodyErrorCodes.tooManyValues,
            'The request body holds too many parameters',
          ),
        );
      }
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
        return next(
          new ValidationError(
            CommonErrorCodes.unsupportedEncoding,
            'The request body encoding is not supported',
          ),
        );
      }
      return next(
        new ValidationError(CommonErrorCodes.validation, 'The request body could not be read'),
      );
    });
}

/** The parsers' content-type test, skipping routes whose body is bytes. */
function parsedAs(type: string): (req: IncomingMessage) => boolean {
  return (req) => !isRawBodyRoute(req as Request) && Boolean((req as Request).is(type));
}

type BodyRequest = Request & { _body?: boolean; body?: unknown };

/**
 * JSON bodies are read as text and checked for shape (depth, size, prototype and duplicate keys,
 * NUL) before `JSON.parse`: the validation pipe recurses per level and overflows the stack on a
 * body nested a few thousand levels deep. Strict like body-parser's: objects and arrays only.
 */
function parseJsonText(req: BodyRequest, _res: Response, next: NextFunction): void {
  if (typeof req.body !== 'string' || !req.is('application/json')) return next();
  const text = req.body;
  if (text.trim() === '') {
    req.body = {};
    return next();
  }
  const first = text.trimStart()[0];
  const malformed = () =>
    new ValidationError(CommonErrorCodes.malformedJson, 'The request body is not valid JSON');
  if (first !== '{' && first !== '[') return next(malformed());
  try {
    assertJsonShape(text);
  } catch (err) {
    return next(err);
  }
  try {
    req.body = JSON.parse(text) as unknown;
  } catch {
    return next(malformed());
  }
  next();
}

const FORBIDDEN_FORM_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Form bodies are flat (not extended), but their keys still reach DTO copies: same rule as JSON. */
function rejectForbiddenFormKeys(req: BodyRequest, _res: Response, next: NextFunction): void {
  const body = req.body;
  if (!body || typeof body !== 'object' || !req.is('application/x-www-form-urlencoded')) {
    return next();
  }
  const key = FORBIDDEN_FORM_KEYS.find((k) => Object.prototype.hasOwnProperty.call(body, k));
  if (key) {
    return next(
      new ValidationError(JsonBodyErrorCodes.forbiddenKey, `The key ${key} is not allowed`, {
        key,
      }),
    );
  }
  const nul = Object.values(body as Record<string, unknown>).some(
    (v) => typeof v === 'string' && v.includes('\u0000'),
  );
  if (nul)
    return next(new ValidationError(JsonBodyErrorCodes.nulByte, 'Values may not contain NUL'));
  next();
}
