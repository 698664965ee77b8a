import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express from 'express';
import type { Express } from 'express';
import { LAGO_WEBHOOK_PATH } from './lago-webhook.controller';

/**
 * Lago signs the exact bytes it sends, so the webhook route needs its raw body. The app's JSON
 * parser is installed right after the Nest app is created; providers are built before that,
 * so this raw parser, mounted here, runs first on that one path and the JSON parser then
 * skips the already-read body.
 */
@Injectable()
export class RawBodyRegistrar {
  constructor(host: HttpAdapterHost) {
    const instance = host.httpAdapter?.getInstance() as Express | undefined;
    instance?.use(LAGO_WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb' }));
  }
}
