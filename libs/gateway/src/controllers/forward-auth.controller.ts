import { Controller, Get, HttpCode, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NanopodError, RateLimitedError, UnauthenticatedError } from '@nanopod/common';
import { OptionalCredentialsGuard, SESSION_COOKIE, type Principal } from '@nanopod/identity';
import type { Request, Response } from 'express';
import { ForwardAuthService } from '../services/forward-auth.service';

function presented(req: Request): boolean {
  if (req.headers.authorization || req.headers['x-api-key']) return true;
  return !!(req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * `GET /gateway/auth`: what APISIX's forward-auth plugin calls before every request to the API
 * and to services. 200 with identity headers (APISIX copies them upstream), or the error body
 * with 401 / 403 / 429 (APISIX returns it to the client as is). Internal: not in the OpenAPI
 * document, and not meant to be reached through the gateway.
 */
@ApiExcludeController()
@Controller('gateway')
export class ForwardAuthController {
  constructor(private readonly forwardAuth: ForwardAuthService) {}

  @Get('auth')
  @HttpCode(200)
  @UseGuards(OptionalCredentialsGuard)
  auth(
    @Req() req: Request & { user?: Principal | null },
    @Res({ passthrough: true }) res: Response,
  ): { ok: true } {
    try {
      const headers = this.forwardAuth.decide({
        principal: req.user ?? null,
        presented: presented(req),
        method: header(req, 'x-forwarded-method') ?? 'GET',
        clientAddress: header(req, 'x-forwarded-for') ?? req.ip ?? 'unknown',
      });
      res.set(headers);
      res.set('Cache-Control', 'no-store');
      return { ok: true };
    } catch (err) {
      if (err instanceof UnauthenticatedError) {
        res.set('WWW-Authenticate', 'Bearer realm="nanopod"');
      } else if (err instanceof RateLimitedError) {
        const details = err.details as { retry_after_s?: number } | undefined;
        res.set('Retry-After', String(details?.retry_after_s ?? 60));
      }
      throw err as NanopodError;
    }
  }
}
