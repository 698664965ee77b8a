/** Error codes of the gateway context. */
export const GatewayErrorCodes = {
  /** A credential was presented and is not valid (unknown, revoked, expired). */
  credentialInvalid: 'gateway.credential_invalid',
  /** A read-only credential asked for a change (POST, PUT, PATCH, DELETE). */
  scopeMissing: 'gateway.scope_missing',
  /** Too many refused credentials from one client address: a guessing guard. */
  tooManyFailures: 'gateway.too_many_failures',
  /** No APISIX Admin API is configured (NANOPOD_APISIX_ADMIN_URL). */
  notConfigured: 'gateway.not_configured',
  /** APISIX refused a change or could not be reached. */
  syncFailed: 'gateway.sync_failed',
  formatInvalid: 'gateway.format_invalid',
} as const;
