export { IdentityModule } from './identity.module';
export type { Role } from './entities/user.entity';
export { IdentityErrorCodes } from './identity.errors';
export { UsersService, ExternalIdentity } from './services/users.service';
export { NewUserHooks, NewUserHook } from './services/new-user-hooks';
export { SessionsService, SESSION_COOKIE } from './services/sessions.service';
export { ApiKeysService, CreatedApiKey } from './services/api-keys.service';
export {
  Principal,
  ApiKeyScope,
  API_KEY_SCOPES,
  CredentialKind,
  isAdmin,
  principalOf,
  scopesForRoles,
} from './auth/principal';
export { Authenticated, AdminOnly, CurrentPrincipal } from './auth/decorators';
export { OptionalCredentialsGuard } from './auth/auth.guard';
export { OidcDiscoveryService, OidcMetadata } from './oidc/oidc-discovery.service';
export {
  AccessTokenVerifier,
  RealmAccessToken,
  TokenRejectedError,
} from './oidc/access-token-verifier.service';
export { MeDto } from './dto/me.dto';
export { QuotaDto } from './dto/quota.dto';
export { QuotasService, UserQuota } from './services/quotas.service';
export { BuiltinIssuerService } from './builtin-issuer/builtin-issuer.service';
export { PLATFORM_RESOURCE } from './builtin-issuer/issuer-configuration';

import { IdentityInit1764000000000 } from './migrations/1764000000000-identity-init';
import { SessionIdToken1764000000100 } from './migrations/1764000000100-session-id-token';
import { UserQuotas1764000000500 } from './migrations/1764000000500-user-quotas';
/** This context's migrations, in order. */
export const identityMigrations = [
  IdentityInit1764000000000,
  SessionIdToken1764000000100,
  UserQuotas1764000000500,
];
export { assertSameOrigin, CSRF_ERROR_CODE } from './auth/same-origin';
