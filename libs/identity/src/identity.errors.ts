/**
 * Error codes of the identity context. They keep the `auth.`, `api_key.` and `user.` prefixes
 * they were published with: the CLI, the dashboard and API clients match on them.
 */
export const IdentityErrorCodes = {
  unauthenticated: 'auth.unauthenticated',
  adminRequired: 'auth.admin_required',
  scopeMissing: 'auth.scope_missing',
  issuerUnreachable: 'auth.issuer_unreachable',
  loginExpired: 'auth.login_expired',
  loginRefused: 'auth.login_refused',
  loginFailed: 'auth.login_failed',
  userNotFound: 'user.not_found',
  apiKeyNotFound: 'api_key.not_found',
  apiKeyUnknown: 'auth.key_unknown',
  apiKeyRevoked: 'auth.key_revoked',
  apiKeyExpired: 'auth.key_expired',
  apiKeyExpiryInPast: 'api_key.expiry_in_past',
  apiKeyScopeNotAllowed: 'api_key.scope_not_allowed',
} as const;
