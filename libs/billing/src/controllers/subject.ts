import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@nanopod/common';
import { isAdmin, Principal, UsersService } from '@nanopod/identity';
import { BillingErrorCodes } from '../billing.errors';

export const userNotFound = (): NotFoundError =>
  new NotFoundError(BillingErrorCodes.userNotFound, 'No such user');

/** Whose billing data a request reads: the caller's own, or (admins only) any user's. */
export function subjectUser(principal: Principal, userId?: string): string {
  if (!userId || userId === principal.userId) return principal.userId;
  // Another user's billing is not found for non-admins (ownership is a 404, not a 403).
  if (!isAdmin(principal)) throw userNotFound();
  return userId;
}

/**
 * `subjectUser`, and for an admin naming another user, that user must exist (a 404 otherwise):
 * reading a balance grants the welcome credit, which must not go to an id nobody has.
 */
@Injectable()
export class BillingSubjects {
  constructor(private readonly users: UsersService) {}

  async resolve(principal: Principal, userId?: string): Promise<string> {
    const subject = subjectUser(principal, userId);
    if (subject !== principal.userId) await this.mustExist(subject);
    return subject;
  }

  async mustExist(userId: string): Promise<void> {
    if (!(await this.users.findById(userId))) throw userNotFound();
  }
}
