import { ConflictError } from '@nanopod/common';
import { SandboxState } from './entities/sandbox.entity';
import { SandboxErrorCodes } from './sandbox.errors';

/**
 * Every state change a sandbox may make, in one table. `failed` and `expired` are final;
 * `stopped` may start again (resume after an idle stop) until its TTL expires it. Staying in a
 * state (a patch such as deleted_at) is always allowed.
 */
export const SANDBOX_TRANSITIONS: Readonly<Record<SandboxState, readonly SandboxState[]>> = {
  pending: ['starting', 'running', 'stopped', 'failed', 'expired'],
  starting: ['running', 'stopped', 'failed', 'expired'],
  running: ['stopped', 'failed', 'expired'],
  stopped: ['starting', 'running', 'failed', 'expired'],
  failed: [],
  expired: [],
};

export function canTransition(from: SandboxState, to: SandboxState): boolean {
  return from === to || SANDBOX_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: SandboxState, to: SandboxState): void {
  if (!canTransition(from, to)) {
    throw new ConflictError(
      SandboxErrorCodes.invalidTransition,
      `A ${from} sandbox cannot become ${to}`,
      { from, to },
    );
  }
}

/** The states among `candidates` (default: all) from which `to` may be reached. */
export function sourcesOf(to: SandboxState, candidates?: readonly SandboxState[]): SandboxState[] {
  const all = candidates ?? (Object.keys(SANDBOX_TRANSITIONS) as SandboxState[]);
  return all.filter((from) => canTransition(from, to));
}
