import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ForbiddenError, UnauthenticatedError } from '@nanopod/common';
import type { Request } from 'express';
import { ApiKeyScope, isAdmin, Principal } from './principal';
import { IdentityErrorCodes } from '../identity.errors';

export const AUTH_REQUIREMENT = 'nanopod:auth';

export interface AuthRequirement {
  /** The scope the credential must carry: read for GET, write for changes. */
  scope: ApiKeyScope;
  adminOnly: boolean;
}

/** Any of the three credentials: API key, realm bearer token, session cookie. */
@Injectable()
export class CredentialsGuard extends AuthGuard(['api-key', 'jwt', 'session']) {
  override handleRequest<T = Principal>(err: unknown, user: T | false): T {
    if (err) throw err;
    if (!user)
      throw new UnauthenticatedError(
        IdentityErrorCodes.unauthenticated,
        'Sign in, or send an API key or access token as a Bearer token',
      );
    return user;
  }
}

@Injectable()
export class RequirementGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { user?: Principal }>();
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(
      AUTH_REQUIREMENT,
      [context.getHandler(), context.getClass()],
    );
    const principal = req.user;
    if (!principal) throw new UnauthenticatedError();
    if (!requirement) return true;
    if (requirement.adminOnly && !isAdmin(principal)) {
      throw new ForbiddenError(IdentityErrorCodes.adminRequired, 'This needs the admin role');
    }
    if (!principal.scopes.includes(requirement.scope)) {
      throw new ForbiddenError(
        IdentityErrorCodes.scopeMissing,
        `This credential lacks the "${requirement.scope}" scope`,
        {
          required: requirement.scope,
        },
      );
    }
    return true;
  }
}

export const setRequirement = (r: AuthRequirement) => SetMetadata(AUTH_REQUIREMENT, r);
