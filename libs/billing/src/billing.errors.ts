import {
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from '@nanopod/common';

/** Stable error codes of the billing context. */
export const BillingErrorCodes = {
  unbalanced: 'billing.unbalanced_entry',
  insufficientFunds: 'billing.insufficient_funds',
  invalidUsage: 'billing.invalid_usage',
  invalidRange: 'billing.invalid_range',
  webhookSignature: 'billing.webhook_signature_invalid',
  webhookUnconfigured: 'billing.webhook_not_configured',
  accountNotFound: 'billing.account_not_found',
  priceNotFound: 'billing.price_not_found',
  userNotFound: 'billing.user_not_found',
  lagoUnavailable: 'billing.lago_unavailable',
  invalidEstimate: 'billing.invalid_estimate',
  estimateUnsupported: 'billing.estimate_unsupported',
} as const;

export class UnbalancedEntryError extends ValidationError {
  constructor(sum: number) {
    super(BillingErrorCodes.unbalanced, 'A journal entry must sum to zero', { sum_micro: sum });
  }
}

export class InsufficientFundsError extends ConflictError {
  constructor(details: { account: string; balance: number; amount: number; credit_limit: number }) {
    super(
      BillingErrorCodes.insufficientFunds,
      'The balance does not cover this amount within its credit limit',
      details,
    );
  }
}

export class InvalidUsageError extends ValidationError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(BillingErrorCodes.invalidUsage, message, details);
  }
}

export class WebhookSignatureError extends UnauthenticatedError {
  constructor(reason: string) {
    super(BillingErrorCodes.webhookSignature, 'The webhook signature is not valid', { reason });
  }
}

export class AccountNotFoundError extends NotFoundError {
  constructor(kind: string, ownerId: string) {
    super(BillingErrorCodes.accountNotFound, 'No such billing account', {
      kind,
      owner_id: ownerId,
    });
  }
}

export class InvalidRangeError extends ValidationError {
  constructor(message: string) {
    super(BillingErrorCodes.invalidRange, message);
  }
}
