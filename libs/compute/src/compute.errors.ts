import { ConflictError, NotFoundError, UnprocessableError } from '@nanopod/common';

/** Error codes of the compute context. */
export const ComputeErrorCodes = {
  invalid: 'compute.invalid',
  capacityNotFound: 'compute.capacity_not_found',
  templateNotFound: 'compute.node_template_not_found',
  deploymentNotFound: 'compute.deployment_not_found',
  procurementNotFound: 'compute.procurement_not_found',
  nameTaken: 'compute.name_taken',
  procurementExists: 'compute.procurement_exists',
  policyDenied: 'compute.policy_denied',
} as const;

/** Well-formed input that breaks a rule (cloud-init too big, min above max): 422 with the field. */
export class ComputeInvalidError extends UnprocessableError {
  constructor(field: string, problem: string) {
    super(ComputeErrorCodes.invalid, `${field} ${problem}`, {
      fields: [{ field, problems: [problem] }],
    });
  }
}

export class ComputeNotFoundError extends NotFoundError {
  constructor(code: string, what: string, idOrName: string) {
    super(code, `${what} ${idOrName} not found`, { id: idOrName });
  }
}

export class NameTakenError extends ConflictError {
  constructor(what: string, name: string) {
    super(ComputeErrorCodes.nameTaken, `You already have a ${what} named ${name}`, { name });
  }
}
