import type { OrderStatus } from './order-book.types';

/**
 * An order's statuses (SF Compute's): pending while it is being matched, then open (resting),
 * filled, cancelled (by its owner, or an unfilled immediate-or-cancel), expired (its window
 * began unfilled, or a sell's ended unsold) or rejected (post-only that would match, a resale
 * of time not held). Final statuses never change.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['open', 'filled', 'cancelled', 'rejected'],
  open: ['filled', 'cancelled', 'expired'],
  filled: [],
  cancelled: [],
  expired: [],
  rejected: [],
};

export function canMoveOrder(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}
