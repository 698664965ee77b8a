import { ConflictError } from '@nanopod/common';
import type { NodeDrain } from './entities/node.entity';
import { FederationErrorCodes } from './federation.errors';

/**
 * What operators may do to a node's drain state, in one table: a drain ends in `drained` once
 * the node's work is gone, uncordoning puts a draining or drained node back into service, and
 * `terminated` is final. (Health — healthy, unhealthy, lost — follows heartbeats, not requests.)
 */
export const NODE_DRAIN_TRANSITIONS: Readonly<Record<NodeDrain, readonly NodeDrain[]>> = {
  none: ['draining', 'terminated'],
  draining: ['drained', 'none', 'terminated'],
  drained: ['none', 'terminated'],
  terminated: [],
};

export function canTransition(from: NodeDrain, to: NodeDrain): boolean {
  return from === to || NODE_DRAIN_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: NodeDrain, to: NodeDrain): void {
  if (!canTransition(from, to)) {
    throw new ConflictError(
      FederationErrorCodes.nodeTerminated,
      `A ${from === 'none' ? 'running' : from} node cannot become ${to}`,
      { from, to },
    );
  }
}
