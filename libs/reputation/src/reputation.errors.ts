import { ConflictError, NotFoundError, RateLimitedError, ValidationError } from '@nanopod/common';

/** Stable error codes of the reputation and grants context. */
export const ReputationErrorCodes = {
  rateLimited: 'reputation.rate_limited',
  allowListEntryInvalid: 'reputation.allow_list_entry_invalid',
  allowListEntryExists: 'reputation.allow_list_entry_exists',
  allowListEntryNotFound: 'reputation.allow_list_entry_not_found',
  siweInvalid: 'reputation.siwe_invalid',
  nonceInvalid: 'reputation.nonce_invalid',
  signatureInvalid: 'reputation.signature_invalid',
  walletTaken: 'reputation.wallet_taken',
  walletNotLinked: 'reputation.wallet_not_linked',
  programNotFound: 'reputation.grant_program_not_found',
  programExists: 'reputation.grant_program_exists',
  programClosed: 'reputation.grant_program_closed',
  invalidDates: 'reputation.grant_invalid_dates',
  invalidTarget: 'reputation.grant_invalid_target',
  userNotFound: 'reputation.user_not_found',
  grantExists: 'reputation.grant_exists',
  applicationExists: 'reputation.grant_application_exists',
  applicationNotFound: 'reputation.grant_application_not_found',
  applicationDecided: 'reputation.grant_application_decided',
} as const;

export class ReputationRateLimitedError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super(
      ReputationErrorCodes.rateLimited,
      'Reputation was refreshed moments ago; try again later',
      {
        retry_after: retryAfterSeconds,
      },
    );
  }
}

export class WalletProofError extends ValidationError {}

export class WalletTakenError extends ConflictError {
  constructor() {
    super(ReputationErrorCodes.walletTaken, 'This wallet is linked to another account');
  }
}

export class WalletNotLinkedError extends NotFoundError {
  constructor() {
    super(ReputationErrorCodes.walletNotLinked, 'No wallet is linked to your account');
  }
}

export class ProgramNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(ReputationErrorCodes.programNotFound, 'No such grant program', { id });
  }
}

export class ApplicationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(ReputationErrorCodes.applicationNotFound, 'No such grant application', { id });
  }
}
