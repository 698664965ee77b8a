import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
} from '@nanopod/common';

/** Error codes of the serving context. */
export const ServingErrorCodes = {
  /** The service spec breaks a rule; `details.fields` lists every problem by field path. */
  invalidSpec: 'serving.invalid_spec',
  notFound: 'serving.service_not_found',
  replicaNotFound: 'serving.replica_not_found',
  nameTaken: 'serving.name_taken',
  shuttingDown: 'serving.shutting_down',
  /** No READY replica answered within the hold (scale from zero, or all replicas down). */
  noReadyReplica: 'serving.no_ready_replica',
  /** The replica could not be reached (after the one retry an idempotent request gets). */
  replicaUnreachable: 'serving.replica_unreachable',
  adminRequired: 'serving.admin_required',
  policyDenied: 'serving.policy_denied',
} as const;

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** A spec with field errors: 422 listing each field and what is wrong with it. */
export class InvalidSpecError extends UnprocessableError {
  constructor(fields: FieldProblem[]) {
    const first = fields[0];
    super(
      ServingErrorCodes.invalidSpec,
      `The service spec is invalid: ${first.field} ${first.problems[0]}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`,
      { fields },
    );
  }
}

export class ServiceNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(ServingErrorCodes.notFound, `No service named ${name}`, { name });
  }
}

export class ReplicaNotFoundError extends NotFoundError {
  constructor(service: string, replicaId: number) {
    super(ServingErrorCodes.replicaNotFound, `Service ${service} has no replica ${replicaId}`, {
      service,
      replica_id: replicaId,
    });
  }
}

export class ServiceNameTakenError extends ConflictError {
  constructor(name: string) {
    super(ServingErrorCodes.nameTaken, `A service named ${name} already exists`, { name });
  }
}

export class ServiceShuttingDownError extends ConflictError {
  constructor(name: string) {
    super(ServingErrorCodes.shuttingDown, `Service ${name} is shutting down`, { name });
  }
}

export class NoReadyReplicaError extends UnavailableError {
  constructor(name: string, waitedMs: number) {
    super(ServingErrorCodes.noReadyReplica, `Service ${name} has no READY replica`, {
      service: name,
      waited_ms: waitedMs,
    });
  }
}

export class ReplicaUnreachableError extends UnavailableError {
  constructor(name: string, replicaId: number) {
    super(ServingErrorCodes.replicaUnreachable, `Replica ${replicaId} of ${name} did not answer`, {
      service: name,
      replica_id: replicaId,
    });
  }
}

export class ServingAdminRequiredError extends ForbiddenError {
  constructor() {
    super(ServingErrorCodes.adminRequired, 'This action needs the admin role');
  }
}
