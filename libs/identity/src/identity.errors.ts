/** Error codes of the identity context (more are inline in older code, being moved here). */
export const IdentityErrorCodes = {
  userNotFound: 'identity.user_not_found',
} as const;
