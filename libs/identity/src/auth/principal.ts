import type { Role, UserEntity } from '../entities/user.entity';

export type CredentialKind = 'session' | 'jwt' | 'api_key';

/** API key scopes. `admin` only acts when the key's user also has the admin role. */
export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is calling, however they proved it. */
export interface Principal {
  userId: string;
  githubLogin: string | null;
  roles: Role[];
  via: CredentialKind;
  /** What this credential may do; sessions and tokens carry every scope their roles allow. */
  scopes: ApiKeyScope[];
  apiKeyId?: string;
  sessionId?: string;
  /** The user row as loaded when the credential was checked (may be up to a cache period old). */
  user: UserEntity;
}

export function isAdmin(p: Principal): boolean {
  return p.roles.includes('admin') && p.scopes.includes('admin');
}

export function scopesForRoles(roles: Role[]): ApiKeyScope[] {
  return roles.includes('admin') ? ['read', 'write', 'admin'] : ['read', 'write'];
}

/**
 * A user acting with every scope their roles allow (as with a session): work the platform does
 * on a user's behalf, such as a service's replicas started for its owner.
 */
export function principalOf(user: UserEntity, via: CredentialKind = 'session'): Principal {
  return {
    userId: user.id,
    githubLogin: user.githubLogin,
    roles: user.roles,
    via,
    scopes: scopesForRoles(user.roles),
    user,
  };
}
