import { NotFoundError, UnprocessableError } from '@nanopod/common';

/** Error codes of the market context. */
export const MarketErrorCodes = {
  invalidOrder: 'market.invalid_order',
  orderNotFound: 'market.order_not_found',
  notCancellable: 'market.order_not_cancellable',
  unknownInstanceType: 'market.unknown_instance_type',
  policyDenied: 'market.policy_denied',
  partnerRequired: 'market.partner_required',
  /** Selling on a partner's behalf is for admins. */
  adminRequired: 'market.admin_required',
} as const;

export interface FieldProblems {
  fields: { field: string; problems: string[] }[];
}

/** A well-formed order the market cannot take (past start, under an hour, negative price): 422. */
export class InvalidOrderError extends UnprocessableError {
  constructor(
    problems: { field: string; problem: string }[],
    code: string = MarketErrorCodes.invalidOrder,
  ) {
    super(code, problems.map((p) => `${p.field} ${p.problem}`).join('; '), {
      fields: problems.map((p) => ({ field: p.field, problems: [p.problem] })),
    } satisfies FieldProblems);
  }
}

export class OrderNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(MarketErrorCodes.orderNotFound, `Order ${id} not found`, { id });
  }
}
