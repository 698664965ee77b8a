import { ConflictError, NotFoundError, UnprocessableError } from '@nanopod/common';

/** Error codes owned by the policy context. */
export const PolicyErrorCodes = {
  notFound: 'policy.not_found',
  versionNotFound: 'policy.version_not_found',
  invalid: 'policy.invalid',
  alreadyActive: 'policy.already_active',
  notRollbackTarget: 'policy.not_a_rollback_target',
  testsFailing: 'policy.tests_failing',
  /** A subsidy decision that does not allow the request (any context asking answers 403). */
  denied: 'policy.denied',
} as const;

/** One problem with a policy source, where it is. Shaped as OPA's ast.Error. */
export interface PolicyProblem {
  code: string;
  message: string;
  file: string | null;
  row: number | null;
  col: number | null;
}

export class PolicyNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(PolicyErrorCodes.notFound, `No policy named ${name}`, { name });
  }
}

export class PolicyVersionNotFoundError extends NotFoundError {
  constructor(name: string, version: number) {
    super(PolicyErrorCodes.versionNotFound, `Policy ${name} has no version ${version}`, {
      name,
      version,
    });
  }
}

/**
 * A source that does not parse, compile or declare its policy's package. Answered as 422
 * (the request is well formed; its Rego is not).
 */
export class PolicyInvalidError extends UnprocessableError {
  constructor(
    message: string,
    readonly problems: PolicyProblem[],
  ) {
    super(PolicyErrorCodes.invalid, message, { errors: problems });
  }
}

export class PolicyAlreadyActiveError extends ConflictError {
  constructor(name: string, version: number) {
    super(PolicyErrorCodes.alreadyActive, `Version ${version} of ${name} is already active`, {
      name,
      version,
    });
  }
}

export class NotARollbackTargetError extends ConflictError {
  constructor(name: string, version: number, status: string) {
    super(
      PolicyErrorCodes.notRollbackTarget,
      `Version ${version} of ${name} is ${status}; roll back to a previously active (archived) version`,
      { name, version, status },
    );
  }
}

/** Activation of a version whose own tests fail, without `force`. */
export class PolicyTestsFailingError extends ConflictError {
  constructor(
    name: string,
    version: number,
    failed: Array<{ name: string; error: string | null }>,
  ) {
    super(
      PolicyErrorCodes.testsFailing,
      `${failed.length} test(s) of ${name} version ${version} fail; fix them, or activate with force`,
      { name, version, failed },
    );
  }
}
