/**
 * A deployment node's life, as SF Compute names it: waiting for compute time, provisioning,
 * running; then released (scale-down), preempted (its time ran out or was taken), failed or
 * terminated (the deployment went away). Transitions not in the table are refused.
 */
export type DeploymentNodeState =
  | 'awaiting_allocation'
  | 'pending'
  | 'running'
  | 'released'
  | 'failed'
  | 'terminated'
  | 'preempted';

export const LIVE_STATES: readonly DeploymentNodeState[] = [
  'awaiting_allocation',
  'pending',
  'running',
];

export const NODE_TRANSITIONS: Readonly<
  Record<DeploymentNodeState, readonly DeploymentNodeState[]>
> = {
  awaiting_allocation: ['pending', 'released', 'terminated'],
  pending: ['running', 'failed', 'released', 'terminated', 'preempted', 'awaiting_allocation'],
  running: ['released', 'failed', 'terminated', 'preempted'],
  released: [],
  failed: [],
  terminated: [],
  preempted: [],
};

export function canMove(from: DeploymentNodeState, to: DeploymentNodeState): boolean {
  return NODE_TRANSITIONS[from].includes(to);
}

/**
 * Which live nodes leave on scale-down: idle first (still waiting, then provisioning, then
 * running), newest first within each.
 */
export function pickExcess<T extends { state: DeploymentNodeState; createdAt: Date; seq: number }>(
  live: T[],
  excess: number,
): T[] {
  const rank: Record<string, number> = { awaiting_allocation: 0, pending: 1, running: 2 };
  return [...live]
    .sort((a, b) => rank[a.state] - rank[b.state] || b.seq - a.seq)
    .slice(0, Math.max(0, excess));
}
