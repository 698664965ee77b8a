import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { GlobalErrorFilter } from '../errors/error.filter';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { nanopodValidationPipe } from './validation';

export const JSON_BODY_LIMIT = '1mb';

/** The HTTP behaviour every Nanopod app shares: body limits, validation, errors, OpenAPI. */
export function configureHttpApp(app: INestApplication, options: { title: string; version: string }): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  express.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT, extended: false });
  express.disable('x-powered-by');
  express.set('trust proxy', 'loopback');
  app.use(cookieParser());
  app.useGlobalPipes(nanopodValidationPipe());
  app.useGlobalFilters(new GlobalErrorFilter());

  const doc = new DocumentBuilder()
    .setTitle(options.title)
    .setVersion(options.version)
    .setDescription('Nanopod API. Every error answer is `{"error": {"code", "message", "details"}}`.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (npk_...) or a realm access token' }, 'bearer')
    .addCookieAuth('nanopod_session', { type: 'apiKey', in: 'cookie', name: 'nanopod_session' }, 'session')
    .build();
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ErrorBodyDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
