import type { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';

const RAW_BODY = Symbol('nanopod.rawBody');

/**
 * Marks routes whose body is bytes (file uploads, archives): the app's JSON and form parsers
 * leave them alone whatever the Content-Type, so curl's default form type or a JSON-looking
 * file is written as sent. Call it from a provider's constructor: providers are built before
 * `configureHttpApp` installs the parsers, so the marker runs first. Express paths, matched as
 * prefixes (`/v1/sandboxes/:id/files`).
 */
export function markRawBodyRoutes(host: HttpAdapterHost, paths: string[]): void {
  const instance = host.httpAdapter?.getInstance() as Express | undefined;
  instance?.use(paths, (req: Request, _res: Response, next: NextFunction) => {
    (req as Request & { [RAW_BODY]?: boolean })[RAW_BODY] = true;
    next();
  });
}

export function isRawBodyRoute(req: Request): boolean {
  return (req as Request & { [RAW_BODY]?: boolean })[RAW_BODY] === true;
}
