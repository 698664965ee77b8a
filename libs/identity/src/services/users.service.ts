import { Inject, Injectable } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig, NotFoundError } from '@nanopod/common';
import { Role, UserEntity } from '../entities/user.entity';
import { NewUserHooks } from './new-user-hooks';
import { IdentityErrorCodes } from '../identity.errors';
import { UsersRepository } from '../repositories/users.repository';

export interface ExternalIdentity {
  keycloakSub: string;
  githubId?: string | null;
  githubLogin?: string | null;
  email?: string | null;
  displayName?: string | null;
  avatarUrl?: string | null;
  /** Realm roles from the token, when the issuer asserts them. */
  realmRoles?: string[];
}

/** The realm's claims (ID token or access token) that describe a user. */
export interface IdentityClaims {
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  picture?: string;
  github_login?: string;
  github_id?: string | number;
  realm_access?: { roles?: string[] };
}

/** One mapping for sign-in and bearer tokens, so both see the same user the same way. */
export function identityFromClaims(claims: IdentityClaims): ExternalIdentity {
  return {
    keycloakSub: claims.sub,
    githubId: claims.github_id !== undefined ? String(claims.github_id) : undefined,
    githubLogin: claims.github_login ?? claims.preferred_username,
    email: claims.email,
    displayName: claims.name,
    avatarUrl: claims.picture,
    realmRoles: claims.realm_access?.roles,
  };
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    private readonly clock: Clock,
    private readonly hooks: NewUserHooks,
  ) {}

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError(IdentityErrorCodes.userNotFound, 'No such user');
    return user;
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findById(id);
  }

  findByKeycloakSub(sub: string): Promise<UserEntity | null> {
    return this.users.findByKeycloakSub(sub);
  }

  findByGithubLogin(login: string): Promise<UserEntity | null> {
    return this.users.findByGithubLogin(login);
  }

  /**
   * When the realm asserts roles (every sign-in does), they are authoritative, so an admin
   * demoted in Keycloak loses the role at the next sign-in; NANOPOD_ADMIN_GITHUB_LOGINS adds it.
   */
  private rolesFor(identity: ExternalIdentity, existing?: Role[]): Role[] {
    const roles = new Set<Role>(identity.realmRoles ? [] : (existing ?? ['developer']));
    roles.add('developer');
    const login = identity.githubLogin?.toLowerCase();
    if (
      (login && this.config.adminGithubLogins.includes(login)) ||
      identity.realmRoles?.includes('admin')
    ) {
      roles.add('admin');
    }
    return [...roles].sort();
  }

  /** Creates or updates the user for a realm identity (matched by Keycloak subject, then GitHub id). */
  async upsertFromIdentity(
    identity: ExternalIdentity,
    opts: { login?: boolean } = {},
  ): Promise<UserEntity> {
    let user: UserEntity;
    try {
      user = await this.upsertOnce(identity, opts);
    } catch (err) {
      // Two first requests of a new user (a CLI firing in parallel) race to insert the row; the
      // loser finds it on the second try instead of answering 500.
      if ((err as { code?: unknown }).code !== '23505') throw err;
      user = await this.upsertOnce(identity, opts);
    }
    // At creation and at every sign-in (idempotent), never on a read.
    await this.hooks.run(user.id);
    return user;
  }

  private async upsertOnce(
    identity: ExternalIdentity,
    opts: { login?: boolean },
  ): Promise<UserEntity> {
    let user =
      (await this.users.findByKeycloakSub(identity.keycloakSub)) ??
      (identity.githubId ? await this.users.findByGithubId(identity.githubId) : null);
    const now = this.clock.now();
    if (!user) {
      user = this.users.build({
        keycloakSub: identity.keycloakSub,
        roles: this.rolesFor(identity),
      });
    } else {
      user.keycloakSub = identity.keycloakSub;
      user.roles = this.rolesFor(identity, user.roles);
    }
    if (identity.githubId !== undefined) user.githubId = identity.githubId;
    if (identity.githubLogin !== undefined) user.githubLogin = identity.githubLogin;
    if (identity.email !== undefined) user.email = identity.email;
    if (identity.displayName !== undefined) user.displayName = identity.displayName;
    if (identity.avatarUrl !== undefined) user.avatarUrl = identity.avatarUrl;
    if (opts.login) user.lastLoginAt = now;
    return this.users.save(user);
  }

  /** A user that exists only inside the platform (the bootstrap admin, service accounts). */
  async createLocal(fields: {
    githubLogin?: string;
    displayName: string;
    roles: Role[];
  }): Promise<UserEntity> {
    const user = await this.users.save(
      this.users.build({
        githubLogin: fields.githubLogin ?? null,
        displayName: fields.displayName,
        roles: fields.roles,
      }),
    );
    await this.hooks.run(user.id);
    return user;
  }

  async setRoles(id: string, roles: Role[]): Promise<UserEntity> {
    const user = await this.get(id);
    user.roles = [...new Set<Role>(['developer', ...roles])].sort();
    return this.users.save(user);
  }

  list(opts: { limit: number; offset: number }): Promise<[UserEntity[], number]> {
    return this.users.page(opts);
  }
}
