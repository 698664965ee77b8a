import { NotFoundError } from '@nanopod/common';
import { isAdmin, Principal } from '@nanopod/identity';

/** Whose billing data a request reads: the caller's own, or (admins only) any user's. */
export function subjectUser(principal: Principal, userId?: string): string {
  if (!userId || userId === principal.userId) return principal.userId;
  // Another user's billing is not found for non-admins (ownership is a 404, not a 403).
  if (!isAdmin(principal)) throw new NotFoundError('billing.user_not_found', 'No such user');
  return userId;
}
