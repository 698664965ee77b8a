import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CommonErrorCodes, PayloadTooLargeError, ValidationError } from '../errors/nanopod.error';
import { GlobalErrorFilter } from '../errors/error.filter';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { nanopodValidationPipe } from './validation';

export const JSON_BODY_LIMIT = '1mb';

/** The HTTP behaviour every Nanopod app shares: body limits, validation, errors, OpenAPI. */
export function configureHttpApp(
  app: INestApplication,
  options: { title: string; version: string },
): void {
  const server = app as NestExpressApplication;
  app.use(withBodyErrors(express.json({ limit: JSON_BODY_LIMIT })));
  app.use(withBodyErrors(express.urlencoded({ limit: JSON_BODY_LIMIT, extended: false })));
  server.disable('x-powered-by');
  // The dashboard acts with the session cookie: no framing (clickjacking), no MIME sniffing,
  // and no full URLs (sign-in codes, return paths) leaked to other sites in Referer.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  server.set('trust proxy', 'loopback');
  app.use(cookieParser());
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
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ErrorBodyDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

interface BodyParserError extends Error {
  type?: string;
}

/** Body-parser failures become our own errors here, before Nest would flatten them to a 400. */
function withBodyErrors(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
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
