import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth } from '@nestjs/swagger';
import { ApiErrors, UnauthenticatedError } from '@nanopod/common';
import type { Request } from 'express';
import { CredentialsGuard, setRequirement } from './auth.guard';
import { ApiKeyScope, Principal } from './principal';

/**
 * Any signed-in caller (API key, bearer token or session) whose credential carries `scope`.
 * Example: `@Authenticated('write') @Post() create(@CurrentPrincipal() p: Principal) {...}`
 */
export function Authenticated(scope: ApiKeyScope = 'read') {
  return applyDecorators(
    setRequirement({ scope, adminOnly: false }),
    UseGuards(CredentialsGuard),
    ApiBearerAuth('bearer'),
    ApiCookieAuth('session'),
    ApiErrors(401, 403),
  );
}

/** Admins only (role admin, and an API key must also carry the admin scope). */
export function AdminOnly() {
  return applyDecorators(
    setRequirement({ scope: 'admin', adminOnly: true }),
    UseGuards(CredentialsGuard),
    ApiBearerAuth('bearer'),
    ApiCookieAuth('session'),
    ApiErrors(401, 403),
  );
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const req = ctx.switchToHttp().getRequest<Request & { user?: Principal }>();
    if (!req.user) throw new UnauthenticatedError();
    return req.user;
  },
);
