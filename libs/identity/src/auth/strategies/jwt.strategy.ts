import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import type { Request } from 'express';
import type { CredentialStrategy } from './credential-strategy';
import {
  AccessTokenVerifier,
  RealmAccessToken,
  TokenRejectedError,
} from '../../oidc/access-token-verifier.service';
import { looksLikeApiKey } from '../../services/api-key-secret';
import { identityFromClaims, UsersService } from '../../services/users.service';
import { Principal, scopesForRoles } from '../principal';
import type { Role, UserEntity } from '../../entities/user.entity';
import { bearerToken } from './bearer-token';

/**
 * Users by realm subject are kept this long: a bearer token is already trusted offline for its
 * lifetime (300 s), and a per-request lookup would cut bearer throughput by half or more.
 */
const USER_CACHE_MS = 10_000;
const USER_CACHE_MAX = 10_000;

/** Bearer access tokens from the realm (CLI, services). */
@Injectable()
export class JwtStrategy implements CredentialStrategy {
  private readonly logger = new Logger(JwtStrategy.name);
  private readonly userCache = new Map<string, { user: UserEntity; at: number }>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async authenticate(req: Request): Promise<Principal | false> {
    const token = bearerToken(req);
    if (!token || looksLikeApiKey(token) || token.split('.').length !== 3) return false;
    let claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenRejectedError) {
        this.logger.debug({ reason: err.reason }, 'bearer token refused');
        return false;
      }
      throw err;
    }
    const user = await this.userFor(claims);
    const realmRoles = claims.realm_access?.roles ?? [];
    const roles: Role[] =
      realmRoles.includes('admin') && !user.roles.includes('admin')
        ? [...user.roles, 'admin']
        : user.roles;
    return {
      userId: user.id,
      user: user,
      githubLogin: user.githubLogin,
      roles,
      via: 'jwt',
      scopes: scopesForRoles(roles),
    };
  }

  private async userFor(claims: RealmAccessToken): Promise<UserEntity> {
    const now = this.clock.nowMs();
    const hit = this.userCache.get(claims.sub);
    if (hit && now - hit.at < USER_CACHE_MS) return hit.user;
    const user =
      (await this.users.findByKeycloakSub(claims.sub)) ??
      (await this.users.upsertFromIdentity(identityFromClaims(claims)));
    if (this.userCache.size >= USER_CACHE_MAX) this.userCache.clear();
    this.userCache.set(claims.sub, { user, at: now });
    return user;
  }
}
