/**
 * The one error hierarchy of Nanopod. Services throw these; the global filter maps each kind
 * to an HTTP status and writes `{error: {code, message, details}}`.
 */
export type ErrorKind =
  | 'validation'
  | 'unprocessable'
  | 'unauthenticated'
  | 'forbidden'
  | 'policy_denied'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'upstream'
  | 'unavailable'
  | 'internal';

export type ErrorDetails = Record<string, unknown> | unknown[] | undefined;

export abstract class NanopodError extends Error {
  abstract readonly kind: ErrorKind;

  constructor(
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends NanopodError {
  readonly kind = 'validation' as const;
}
/** Well-formed request whose content cannot be processed (e.g. Rego that does not compile): 422. */
export class UnprocessableError extends NanopodError {
  readonly kind = 'unprocessable' as const;
}
export class UnauthenticatedError extends NanopodError {
  readonly kind = 'unauthenticated' as const;
  constructor(
    code: string = CommonErrorCodes.unauthenticated,
    message = 'Authentication required',
    details?: ErrorDetails,
  ) {
    super(code, message, details);
  }
}
export class ForbiddenError extends NanopodError {
  readonly kind = 'forbidden' as const;
  constructor(
    code: string = CommonErrorCodes.forbidden,
    message = 'You are not allowed to do this',
    details?: ErrorDetails,
  ) {
    super(code, message, details);
  }
}
export class PolicyDeniedError extends NanopodError {
  readonly kind = 'policy_denied' as const;
}
export class NotFoundError extends NanopodError {
  readonly kind = 'not_found' as const;
}
export class ConflictError extends NanopodError {
  readonly kind = 'conflict' as const;
}
export class PayloadTooLargeError extends NanopodError {
  readonly kind = 'payload_too_large' as const;
}
export class RateLimitedError extends NanopodError {
  readonly kind = 'rate_limited' as const;
}
export class UpstreamError extends NanopodError {
  readonly kind = 'upstream' as const;
}
export class UnavailableError extends NanopodError {
  readonly kind = 'unavailable' as const;
}
export class InternalError extends NanopodError {
  readonly kind = 'internal' as const;
}

function assertUnreachable(kind: never): never {
  throw new Error(`unmapped error kind ${String(kind)}`);
}

/** Exhaustive: a new kind without a status fails to compile. */
export function statusForKind(kind: ErrorKind): number {
  switch (kind) {
    case 'validation':
      return 400;
    case 'unprocessable':
      return 422;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
    case 'policy_denied':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'upstream':
      return 502;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    default:
      return assertUnreachable(kind);
  }
}

/** Error codes owned by common. */
export const CommonErrorCodes = {
  validation: 'request.invalid',
  malformedJson: 'request.malformed_json',
  tooLarge: 'request.too_large',
  unsupportedEncoding: 'request.unsupported_encoding',
  unauthenticated: 'auth.unauthenticated',
  forbidden: 'auth.forbidden',
  databaseUnavailable: 'health.database_unavailable',
  notFound: 'route.not_found',
  internal: 'internal',
  unavailable: 'unavailable',
} as const;
