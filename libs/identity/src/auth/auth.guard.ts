import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '@nanopod/common';
import type { Request } from 'express';
import { ApiKeyScope, isAdmin, Principal } from './principal';
import { IdentityErrorCodes } from '../identity.errors';
import type { CredentialStrategy } from './strategies/credential-strategy';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { SessionStrategy } from './strategies/session.strategy';

export const AUTH_REQUIREMENT = 'nanopod:auth';

export interface AuthRequirement {
  /** The scope the credential must carry: read for GET, write for changes. */
  scope: ApiKeyScope;
  adminOnly: boolean;
}

/**
 * Any of the three credentials, tried in this order: API key, realm bearer token, session
 * cookie (the first that answers wins; one that throws stops the request); then the route's
 * requirement (scope, admin). Called directly rather than through passport: this runs on every
 * authenticated request, and passport's per-request strategy objects and callbacks were a
 * measurable share of it.
 */
@Injectable()
export class CredentialsGuard implements CanActivate {
  private strategies?: CredentialStrategy[];
  /** Route metadata never changes after start: read once per handler. */
  private readonly requirements = new WeakMap<object, AuthRequirement | null>();

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context
      .switchToHttp()
      .getRequest<Request & { user?: Principal; credentialFailure?: UnauthenticatedError }>();
    const principal = await this.principalOf(req);
    if (!principal)
      throw (
        req.credentialFailure ??
        new UnauthenticatedError(
          IdentityErrorCodes.unauthenticated,
          'Sign in, or send an API key or access token as a Bearer token',
        )
      );
    req.user = principal;
    checkRequirement(principal, this.requirementOf(context));
    return true;
  }

  /** The first credential that answers; false when none was presented or none holds. */
  protected async principalOf(req: Request): Promise<Principal | false> {
    for (const strategy of this.credentialStrategies()) {
      const principal = await strategy.authenticate(req);
      if (principal) return principal;
    }
    return false;
  }

  /**
   * Nest builds a guard in the module of the controller it guards, which need not import this
   * one: the strategies are looked up in the whole application (this app's instances, also when
   * several apps run in one process), once.
   */
  private credentialStrategies(): CredentialStrategy[] {
    this.strategies ??= [
      this.moduleRef.get(ApiKeyStrategy, { strict: false }),
      this.moduleRef.get(JwtStrategy, { strict: false }),
      this.moduleRef.get(SessionStrategy, { strict: false }),
    ];
    return this.strategies;
  }

  private requirementOf(context: ExecutionContext): AuthRequirement | null {
    const handler = context.getHandler();
    let requirement = this.requirements.get(handler);
    if (requirement === undefined) {
      requirement =
        this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_REQUIREMENT, [
          handler,
          context.getClass(),
        ]) ?? null;
      this.requirements.set(handler, requirement);
    }
    return requirement;
  }
}

function checkRequirement(principal: Principal, requirement: AuthRequirement | null): void {
  if (!requirement) return;
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
}

export const setRequirement = (r: AuthRequirement) => SetMetadata(AUTH_REQUIREMENT, r);

/**
 * The same credentials, but a request without any passes with `req.user` null (a credential
 * that is presented and refused still stops it): for callers that decide themselves what an
 * anonymous request means, as the gateway's forward-auth does.
 */
@Injectable()
export class OptionalCredentialsGuard extends CredentialsGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    (req as { user?: Principal | null }).user = (await this.principalOf(req)) || null;
    return true;
  }
}
